import { describe, expect, it } from 'vitest';
import { harbor } from '../../../../lib/engine/webhooks/providers/harbor.js';
import { bodyDigest } from '../../../../lib/engine/webhooks/verify.js';
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
  'push-default.json',
  'push-multi-arch-cloudevents.json',
  'push-by-digest-cloudevents.json',
  'pull-default.json',
  'delete-cloudevents.json',
];

const SINGLE =
  'sha256:fc5ee5d8b4dddcd2ef49ff9683e612ef27a1401010d9e5bd68bebb40da964eee';
const INDEX =
  'sha256:6a0f04b1e8d1a15202cdbc58f238b59df2baa08c24a5f617e6d134fe3f65e04d';
const CHILD =
  'sha256:73697640b1ceaa74816fcc83e265bf1e071f06ce26dae3a00ae0755a24f55e11';

type Json = Record<string, unknown>;

/** push-default.json with its event data changed by `change`. */
function changedDefault(change: (payload: Json, data: Json) => void): Json {
  const payload = fixtureJson('harbor', 'push-default.json');
  change(payload, payload.event_data as Json);
  return payload;
}

function firstResource(data: Json): Json {
  return (data.resources as Json[])[0] as Json;
}

describeSharedSecret({
  provider: harbor,
  header: 'Authorization',
  body: fixtureBytes('harbor', 'push-default.json'),
});

describe('harbor parse', () => {
  it('reads a push in the Default format, identified by its body', () => {
    // Prepare
    const input = fixtureDelivery('harbor', 'push-default.json');
    // Act
    const parsed = harbor.parse(input);
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'harbor.example.com',
          repository: 'team/my-api',
          tag: '1.4.0',
          digest: SINGLE,
        },
      ],
      deliveryId: bodyDigest(input.body),
      sentAt: new Date(1680501893 * 1000),
      ignored: 0,
    });
  });

  it('reads a multi-arch index push in the CloudEvents format', () => {
    expect(
      harbor.parse(
        fixtureDelivery('harbor', 'push-multi-arch-cloudevents.json')
      )
    ).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'harbor.example.com:8443',
          repository: 'team/my-api',
          tag: '2.0.0',
          digest: INDEX,
        },
      ],
      deliveryId: '66e18103-09c1-41f6-982f-37df223f3eeb',
      sentAt: new Date('2023-04-03T06:04:46Z'),
      ignored: 0,
    });
  });

  it('reads an untagged push without taking its digest for a tag', () => {
    expect(
      harbor.parse(fixtureDelivery('harbor', 'push-by-digest-cloudevents.json'))
    ).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'harbor.example.com:8443',
          repository: 'team/my-api',
          digest: CHILD,
        },
      ],
      deliveryId: '0b7d3c95-2e6f-4a18-8d4c-71e9f0a2b6d3',
      sentAt: new Date('2023-04-03T06:04:45Z'),
      ignored: 0,
    });
  });

  it('reads one image per resource', () => {
    const body = changedDefault((_, data) => {
      data.resources = [
        firstResource(data),
        {
          digest: SINGLE,
          tag: 'stable',
          resource_url: 'harbor.example.com/team/my-api:stable',
        },
      ];
    });
    const parsed = harbor.parse(delivery(body));
    expect(parsed.kind === 'push' && parsed.images.map((i) => i.tag)).toEqual([
      '1.4.0',
      'stable',
    ]);
  });

  it('ignores a pull in the Default format, naming the event type', () => {
    const input = fixtureDelivery('harbor', 'pull-default.json');
    expect(harbor.parse(input)).toEqual({
      kind: 'ignored',
      reason: 'event PULL_ARTIFACT',
      deliveryId: bodyDigest(input.body),
    });
  });

  it('ignores a delete in the CloudEvents format, naming the event type', () => {
    expect(
      harbor.parse(fixtureDelivery('harbor', 'delete-cloudevents.json'))
    ).toEqual({
      kind: 'ignored',
      reason: 'event harbor.artifact.deleted',
      deliveryId: 'd2c8a6f1-7b30-4e95-9c1d-5a4e0f8b3c67',
    });
  });

  it('ignores a push without resources', () => {
    const body = changedDefault((_, data) => {
      data.resources = [];
    });
    expect(harbor.parse(delivery(body))).toMatchObject({
      kind: 'ignored',
      reason: 'push without resources',
    });
  });

  it.each(['', '  \r\n'])(
    'answers the empty POST of "Test endpoint" (%j) as a ping',
    (body) => {
      expect(harbor.parse(delivery(body))).toEqual({ kind: 'ping' });
    }
  );

  it('builds the repository from namespace and name when repo_full_name is missing', () => {
    const body = changedDefault((_, data) => {
      delete (data.repository as Json).repo_full_name;
    });
    const parsed = harbor.parse(delivery(body));
    expect(parsed.kind === 'push' && parsed.images[0]?.repository).toBe(
      'team/my-api'
    );
  });

  it('accepts a resource_url with a scheme and leaves the registry unset without one', () => {
    // Prepare
    const withScheme = changedDefault((_, data) => {
      firstResource(data).resource_url =
        'https://harbor.example.com/team/my-api:1.4.0';
    });
    const without = changedDefault((_, data) => {
      delete firstResource(data).resource_url;
    });
    // Act
    const a = harbor.parse(delivery(withScheme));
    const b = harbor.parse(delivery(without));
    // Assess
    expect(a.kind === 'push' && a.images[0]?.registry).toBe(
      'harbor.example.com'
    );
    expect(b.kind === 'push' && b.images[0]).not.toHaveProperty('registry');
  });

  it.each<[string, string | Json]>([
    ['a body that is not JSON', '<html>'],
    ['a payload without a type', '{"occur_at": 1}'],
    ['a type that is not a string', '{"type": 1}'],
    [
      'a CloudEvent without an id',
      '{"specversion": "1.0", "type": "harbor.artifact.pushed"}',
    ],
    [
      'occur_at that is not a number',
      changedDefault((payload) => {
        payload.occur_at = '1680501893';
      }),
    ],
    [
      'a negative occur_at',
      changedDefault((payload) => {
        payload.occur_at = -1;
      }),
    ],
    [
      'resources that are not an array',
      changedDefault((_, data) => {
        data.resources = {};
      }),
    ],
    [
      'a push without a repository',
      changedDefault((_, data) => {
        delete data.repository;
      }),
    ],
    [
      'a resource_url without a path',
      changedDefault((_, data) => {
        firstResource(data).resource_url = 'harbor.example.com';
      }),
    ],
    [
      'a resource_url host with a space',
      changedDefault((_, data) => {
        firstResource(data).resource_url = 'harbor example/team/my-api:1.4.0';
      }),
    ],
    [
      'a malformed digest',
      changedDefault((_, data) => {
        firstResource(data).digest = 'sha256:1234';
      }),
    ],
    [
      'a tag with a colon that is not a digest',
      changedDefault((_, data) => {
        firstResource(data).tag = 'v1:2';
      }),
    ],
  ])('refuses %s with 400', (_, body) => {
    const error = webhookError(() => harbor.parse(delivery(body)), 400);
    expect(error.message).toMatch(/^harbor delivery/);
  });

  it('refuses a CloudEvents time that is not RFC 3339 with 400', () => {
    const payload = fixtureJson('harbor', 'push-multi-arch-cloudevents.json');
    payload.time = 'Mon, 03 Apr 2023 06:04:46 GMT';
    webhookError(() => harbor.parse(delivery(payload)), 400);
  });
});

describeParseIsTotal(harbor, FIXTURES);
