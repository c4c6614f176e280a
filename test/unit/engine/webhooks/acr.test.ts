import { describe, expect, it } from 'vitest';
import { acr } from '../../../../lib/engine/webhooks/providers/acr.js';
import {
  delivery,
  describeParseIsTotal,
  describeSharedSecret,
  fixtureBytes,
  fixtureDelivery,
  fixtureJson,
  webhookError,
} from '../../../support/provider-deliveries.js';

const FIXTURES = [
  'push.json',
  'push-index.json',
  'push-child.json',
  'delete.json',
  'chart-push.json',
  'ping.json',
];

const SINGLE =
  'sha256:fc5ee5d8b4dddcd2ef49ff9683e612ef27a1401010d9e5bd68bebb40da964eee';
const INDEX =
  'sha256:d11d8ba13432c582e7265a41920de38ce75e6444d595c7f64839844489d75c29';
const CHILD =
  'sha256:4de66f9c87cc4bc33a8a3297e6e6e4bd7a43e5e17c8b2449c44b5bde8c6d8bed';

type Json = Record<string, unknown>;

/** push.json changed by `change`. */
function changedPush(change: (event: Json, target: Json) => void): Json {
  const event = fixtureJson('acr', 'push.json');
  change(event, event.target as Json);
  return event;
}

describeSharedSecret({
  provider: acr,
  header: 'Authorization',
  body: fixtureBytes('acr', 'push.json'),
});

describe('acr parse', () => {
  it('reads a tagged manifest push', () => {
    expect(acr.parse(fixtureDelivery('acr', 'push.json'))).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'myregistry.azurecr.io',
          repository: 'my-api',
          tag: '1.4.0',
          digest: SINGLE,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      ],
      deliveryId: 'cb8c3971-9adc-488b-bdd8-43cbb4974ff5',
      sentAt: new Date('2025-01-17T16:52:01.343Z'),
      ignored: 0,
    });
  });

  it('reads both halves of a multi-arch push: the tagged index and an untagged platform manifest', () => {
    // Act
    const index = acr.parse(fixtureDelivery('acr', 'push-index.json'));
    const child = acr.parse(fixtureDelivery('acr', 'push-child.json'));
    // Assess
    expect(index).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'myregistry.azurecr.io',
          repository: 'team/my-api',
          tag: '2.0.0',
          digest: INDEX,
          mediaType: 'application/vnd.oci.image.index.v1+json',
        },
      ],
      deliveryId: '5e2b8f14-0c7a-4d93-b6e1-9a3f2c7d0b58',
      sentAt: new Date('2025-01-17T16:58:44.907Z'),
      ignored: 0,
    });
    expect(child).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'myregistry.azurecr.io',
          repository: 'team/my-api',
          digest: CHILD,
          mediaType: 'application/vnd.oci.image.manifest.v1+json',
        },
      ],
      deliveryId: 'b3f70c6d-2e19-4a58-9d0b-6c4e8a1f7d23',
      sentAt: new Date('2025-01-17T16:58:44.312Z'),
      ignored: 0,
    });
  });

  it('answers the portal ping as a ping', () => {
    expect(acr.parse(fixtureDelivery('acr', 'ping.json'))).toEqual({
      kind: 'ping',
      deliveryId: 'c5950af0-c8d0-4924-9873-1ba7da5cbf83',
    });
  });

  it.each([
    ['delete.json', 'action delete', 'afc359ce-df7f-4e32-bdde-1ff8aa80927b'],
    [
      'chart-push.json',
      'action chart_push',
      '6356e9e0-627f-4fed-a5d6-f4a4bc1c4be9',
    ],
  ])('ignores %s', (name, reason, deliveryId) => {
    expect(acr.parse(fixtureDelivery('acr', name))).toEqual({
      kind: 'ignored',
      reason,
      deliveryId,
    });
  });

  it.each(['chart_delete', 'quarantine'])('ignores action %s', (action) => {
    const body = changedPush((event) => {
      event.action = action;
    });
    expect(acr.parse(delivery(body))).toMatchObject({
      kind: 'ignored',
      reason: `action ${action}`,
    });
  });

  it('ignores a push of something that is not a manifest', () => {
    const body = changedPush((_, target) => {
      target.mediaType = 'application/vnd.cncf.helm.chart.content.v1.tar+gzip';
    });
    expect(acr.parse(delivery(body))).toEqual({
      kind: 'ignored',
      reason: 'push of application/vnd.cncf.helm.chart.content.v1.tar+gzip',
      deliveryId: 'cb8c3971-9adc-488b-bdd8-43cbb4974ff5',
    });
  });

  it('takes a push without a media type, id or timestamp as an image with no identity', () => {
    const body = changedPush((event, target) => {
      delete target.mediaType;
      delete event.id;
      delete event.timestamp;
    });
    expect(acr.parse(delivery(body))).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'myregistry.azurecr.io',
          repository: 'my-api',
          tag: '1.4.0',
          digest: SINGLE,
        },
      ],
      ignored: 0,
    });
  });

  it.each<[string, string | Json]>([
    ['a body that is not JSON', 'action=push'],
    ['a JSON string', '"push"'],
    ['an event without an action', '{"id": "x"}'],
    ['a target that is not an object', '{"action": "push", "target": "x"}'],
    [
      'a push without a repository',
      changedPush((_, target) => {
        delete target.repository;
      }),
    ],
    [
      'a push with neither tag nor digest',
      changedPush((_, target) => {
        delete target.tag;
        delete target.digest;
      }),
    ],
    [
      'a digest in upper-case hex',
      changedPush((_, target) => {
        target.digest = SINGLE.toUpperCase().replace('SHA256', 'sha256');
      }),
    ],
    [
      'a registry host with a scheme',
      changedPush((event) => {
        event.request = { host: 'https://myregistry.azurecr.io' };
      }),
    ],
    [
      'a timestamp that is not RFC 3339',
      changedPush((event) => {
        event.timestamp = '17/01/2025 16:52';
      }),
    ],
  ])('refuses %s with 400', (_, body) => {
    const error = webhookError(() => acr.parse(delivery(body)), 400);
    expect(error.message).toMatch(/^acr delivery/);
  });
});

describeParseIsTotal(acr, FIXTURES);
