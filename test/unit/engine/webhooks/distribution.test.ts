import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { distribution } from '../../../../lib/engine/webhooks/providers/distribution.js';
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
  'push-manifest.json',
  'push-multi-arch.json',
  'blob-push.json',
  'pull.json',
  'delete.json',
];

const SINGLE =
  'sha256:fc5ee5d8b4dddcd2ef49ff9683e612ef27a1401010d9e5bd68bebb40da964eee';
const AMD64 =
  'sha256:7086e055d04dcc920b44cd115b097eab7de0024d6a80e4b36adc2c31c4b00c2e';
const ARM64 =
  'sha256:de0ead98256fa6899c8ff3a4a8f7ae59551a71f20a6893da731d50a6ca87fefc';
const INDEX =
  'sha256:b6d290d25580c7e18be889b87649a299c9cb521e3c0212523b4c50f7d0886ac3';

type Json = Record<string, unknown>;

/** push-manifest.json with its one event changed by `change`. */
function changedPush(change: (event: Json) => void): Json {
  const envelope = fixtureJson('distribution', 'push-manifest.json');
  const [event] = envelope.events as Json[];
  change(event as Json);
  return envelope;
}

function target(event: Json): Json {
  return event.target as Json;
}

describeSharedSecret({
  provider: distribution,
  header: 'Authorization',
  body: fixtureBytes('distribution', 'push-manifest.json'),
});

describe('distribution parse', () => {
  it('reads a tagged manifest push', () => {
    // Act
    const parsed = distribution.parse(
      fixtureDelivery('distribution', 'push-manifest.json')
    );
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'registry.example.com',
          repository: 'team/my-api',
          tag: '1.4.0',
          digest: SINGLE,
          mediaType: 'application/vnd.docker.distribution.manifest.v2+json',
        },
      ],
      deliveryId: '7b1f4c2e-5d0a-4f6e-9a38-2c9d0e41a7b5',
      sentAt: new Date('2025-01-09T22:44:26.402Z'),
      ignored: 0,
    });
  });

  it('reads a multi-arch push: each platform manifest and the index, blobs ignored', () => {
    // Act
    const parsed = distribution.parse(
      fixtureDelivery('distribution', 'push-multi-arch.json')
    );
    // Assess
    const registry = '127.0.0.1:5000';
    const repository = 'team/my-api';
    const oci = 'application/vnd.oci.image.manifest.v1+json';
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        { registry, repository, digest: AMD64, mediaType: oci },
        { registry, repository, digest: ARM64, mediaType: oci },
        {
          registry,
          repository,
          tag: '1.4.0',
          digest: INDEX,
          mediaType: 'application/vnd.oci.image.index.v1+json',
        },
      ],
      deliveryId: [
        '1a8e5f37-c2d9-4b06-8f4e-3d6a9c0b2e75',
        '3e0c1a52-7f94-4d2b-8c61-0a5e9b3d7f12',
        '5b9e2c84-0d6f-4e71-a3b2-e8c4f1d07a96',
        '9d47b2e0-15c8-4f3a-a9e6-7c2b0d8f4a61',
        'c6f0d3a9-4e27-4a1b-b58c-92e1f7a3d604',
      ].join(','),
      // The index event is the newest of the five.
      sentAt: new Date('2025-01-09T22:44:26.302Z'),
      ignored: 2,
    });
  });

  it.each([
    [
      'blob-push.json',
      2,
      '8c2a7e41-3b5d-4f90-b6e8-1d4c9a0f7e23,f4d1b6e9-2a7c-4830-95fd-6e0b3c8a1d57',
    ],
    ['pull.json', 1, '2d7f9a1c-6e3b-4c58-8a0d-b4e1f6c93a27'],
    ['delete.json', 1, '6a3e8d0f-94b1-4c27-a5e3-1f7c0b9d4e82'],
  ])('ignores %s', (name, events, deliveryId) => {
    // Act
    const parsed = distribution.parse(fixtureDelivery('distribution', name));
    // Assess
    expect(parsed).toEqual({
      kind: 'ignored',
      reason: `no manifest or index push among ${events} events`,
      deliveryId,
    });
  });

  it('ignores a push of a schema 1 manifest, which archscan does not read', () => {
    const body = changedPush((event) => {
      target(event).mediaType =
        'application/vnd.docker.distribution.manifest.v1+prettyjws';
    });
    expect(distribution.parse(delivery(body))).toMatchObject({
      kind: 'ignored',
    });
  });

  it('reads media types regardless of case and parameters', () => {
    const body = changedPush((event) => {
      target(event).mediaType =
        'Application/VND.Docker.Distribution.Manifest.v2+JSON; charset=utf-8';
    });
    expect(distribution.parse(delivery(body))).toMatchObject({
      kind: 'push',
      ignored: 0,
    });
  });

  it('answers an envelope without events as ignored, identified by its body', () => {
    const body = new TextEncoder().encode('{"events":[]}');
    expect(distribution.parse(delivery(body))).toEqual({
      kind: 'ignored',
      reason: 'envelope without events',
      deliveryId: bodyDigest(body),
    });
  });

  it('takes the registry from target.url when the request names no host', () => {
    const body = changedPush((event) => {
      delete event.request;
      target(event).url =
        'https://Mirror.Example.com:8443/v2/team/my-api/manifests/1.4.0';
    });
    const parsed = distribution.parse(delivery(body));
    expect(parsed.kind === 'push' && parsed.images[0]?.registry).toBe(
      'mirror.example.com:8443'
    );
  });

  it('leaves the registry unset when neither host nor url is given', () => {
    const body = changedPush((event) => {
      delete event.request;
      delete target(event).url;
    });
    const parsed = distribution.parse(delivery(body));
    expect(parsed.kind).toBe('push');
    expect(parsed.kind === 'push' && parsed.images[0]).not.toHaveProperty(
      'registry'
    );
  });

  it('identifies a delivery by its body when an event has no id, and has no sentAt without timestamps', () => {
    const body = changedPush((event) => {
      delete event.id;
      delete event.timestamp;
    });
    const input = delivery(body);
    const parsed = distribution.parse(input);
    expect(parsed).toMatchObject({ deliveryId: bodyDigest(input.body) });
    expect(parsed).not.toHaveProperty('sentAt');
  });

  it('hashes the joined ids of a large envelope into a bounded delivery id', () => {
    // Prepare: 60 copies of the push, ids in descending order
    const envelope = fixtureJson('distribution', 'push-manifest.json');
    const [event] = envelope.events as Json[];
    const ids = Array.from(
      { length: 60 },
      (_, n) => `event-${String(99 - n).padStart(2, '0')}`
    );
    envelope.events = ids.map((id) => ({ ...event, id }));
    // Act
    const parsed = distribution.parse(delivery(envelope));
    // Assess
    const joined = [...ids].sort().join(',');
    expect(parsed).toMatchObject({
      kind: 'push',
      deliveryId: createHash('sha256').update(joined).digest('hex'),
    });
  });

  it.each<[string, string | Json]>([
    ['a body that is not JSON', '{"events": ['],
    ['a top-level array', '[]'],
    ['an envelope without events', '{}'],
    ['events that are not an array', '{"events": {}}'],
    ['an event without an action', '{"events": [{"id": "a"}]}'],
    ['an action that is not a string', '{"events": [{"action": 7}]}'],
    [
      'a short digest',
      changedPush((e) => {
        target(e).digest = 'sha256:abc';
      }),
    ],
    [
      'an unverifiable digest algorithm',
      changedPush((e) => {
        target(e).digest = `md5:${'a'.repeat(32)}`;
      }),
    ],
    [
      'an upper-case repository',
      changedPush((e) => {
        target(e).repository = 'Team/My-Api';
      }),
    ],
    [
      'a repository smuggling a tag',
      changedPush((e) => {
        target(e).repository = 'team/my-api:latest';
      }),
    ],
    [
      'a missing repository',
      changedPush((e) => {
        delete target(e).repository;
      }),
    ],
    [
      'a tag with a slash',
      changedPush((e) => {
        target(e).tag = 'release/1.4';
      }),
    ],
    [
      'a tag longer than 128 characters',
      changedPush((e) => {
        target(e).tag = 'v'.repeat(129);
      }),
    ],
    [
      'a timestamp that is not RFC 3339',
      changedPush((e) => {
        e.timestamp = 'yesterday';
      }),
    ],
    [
      'a request host with a path',
      changedPush((e) => {
        (e.request as Json).host = 'registry.example.com/evil';
      }),
    ],
    [
      'a target url that is not a URL',
      changedPush((e) => {
        delete e.request;
        target(e).url = 'not a url';
      }),
    ],
  ])('refuses %s with 400', (_, body) => {
    const error = webhookError(() => distribution.parse(delivery(body)), 400);
    expect(error.message).toMatch(/^distribution delivery/);
  });
});

describeParseIsTotal(distribution, FIXTURES);

describe('deliveries captured from docker-registry 2.8.2', () => {
  const captured = [1, 2, 3, 4, 5, 6, 7].map((n) =>
    distribution.parse(
      fixtureDelivery('distribution', `captured/delivery-${n}.json`)
    )
  );

  it('ignores the four blob pushes', () => {
    for (const parsed of captured.slice(0, 4)) {
      expect(parsed.kind).toBe('ignored');
    }
  });

  it('reads the platform manifests and the tagged index, on the registry the client used', () => {
    const images = captured
      .slice(4)
      .flatMap((parsed) => (parsed.kind === 'push' ? parsed.images : []));
    expect(images).toHaveLength(3);
    expect(images.map((image) => image.tag)).toEqual([
      undefined,
      undefined,
      '1.0',
    ]);
    expect(images.at(-1)).toMatchObject({
      registry: '127.0.0.1:34203',
      repository: 'team/app',
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
    expect(new Set(images.map((image) => image.digest)).size).toBe(3);
  });
});
