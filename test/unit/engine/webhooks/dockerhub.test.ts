import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../../../lib/engine/errors.js';
import { dockerHub } from '../../../../lib/engine/webhooks/providers/dockerhub.js';
import type { WebhookDelivery } from '../../../../lib/engine/webhooks/types.js';

const SECRET = 'dockerhub-url-token-0123456789abcdef';
const FIXTURES = new URL(
  '../../../fixtures/webhooks/dockerhub/',
  import.meta.url
);

function fixture(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

function delivery(
  body: Uint8Array | string,
  query: Record<string, string> = {}
): WebhookDelivery {
  return {
    headers: { 'content-type': 'application/json' },
    body: typeof body === 'string' ? Buffer.from(body) : body,
    query,
    receivedAt: new Date('2025-01-01T00:00:10Z'),
  };
}

async function refusal(promise: Promise<unknown>): Promise<WebhookError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

function parseError(body: Uint8Array | string): WebhookError {
  try {
    dockerHub.parse(delivery(body));
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookError);
    return error as WebhookError;
  }
  return expect.unreachable('parse should have thrown');
}

describe('dockerHub.authenticate', () => {
  it('accepts the configured URL token', async () => {
    // Prepare
    const push = delivery(fixture('push.json'), { token: SECRET });
    // Act / Assess
    await expect(
      dockerHub.authenticate(push, { secret: SECRET })
    ).resolves.toBeUndefined();
  });

  it.each([
    ['a wrong token', { token: `${SECRET}x` }, { secret: SECRET }],
    ['no token', {}, { secret: SECRET }],
    ['a token sent as another parameter', { key: SECRET }, { secret: SECRET }],
    ['no secret configured', { token: SECRET }, {}],
  ])('refuses %s with 401', async (_, query, credentials) => {
    // Act
    const error = await refusal(
      dockerHub.authenticate(delivery(fixture('push.json'), query), credentials)
    );
    // Assess
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(SECRET);
  });
});

describe('dockerHub.parse', () => {
  it.each([
    [
      'push.json',
      { registry: 'docker.io', repository: 'acme/api-server', tag: '1.4.0' },
      1735689600_000,
    ],
    [
      'official-library.json',
      {
        registry: 'docker.io',
        repository: 'library/nginx',
        tag: '1.27-alpine',
      },
      1735689601_500,
    ],
    [
      'official-short.json',
      { registry: 'docker.io', repository: 'library/busybox', tag: '1.37' },
      1735689602_000,
    ],
  ])('reads %s', (name, image, sentAt) => {
    // Prepare
    const body = fixture(name);
    // Act
    const parsed = dockerHub.parse(delivery(body));
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [image],
      deliveryId: expect.stringMatching(/^[0-9a-f]{64}$/),
      sentAt: new Date(sentAt),
      ignored: 0,
    });
  });

  it('names each delivery by its body, so a new push is a new id', () => {
    // Prepare
    const first = JSON.parse(fixture('push.json').toString());
    const second = {
      ...first,
      push_data: { ...first.push_data, pushed_at: 1735689660 },
    };
    // Act
    const a = dockerHub.parse(delivery(JSON.stringify(first)));
    const b = dockerHub.parse(delivery(JSON.stringify(second)));
    const again = dockerHub.parse(delivery(JSON.stringify(first)));
    // Assess
    expect(a.deliveryId).not.toBe(b.deliveryId);
    expect(again.deliveryId).toBe(a.deliveryId);
  });

  it('gives no delivery id or time when pushed_at is absent', () => {
    // Prepare
    const body = JSON.stringify({
      push_data: { tag: 'latest' },
      repository: { repo_name: 'acme/api-server' },
    });
    // Act
    const parsed = dockerHub.parse(delivery(body));
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        { registry: 'docker.io', repository: 'acme/api-server', tag: 'latest' },
      ],
      ignored: 0,
    });
  });

  it.each([
    ['not JSON', '{"push_data":', /not JSON/],
    ['an array', '[]', /body/],
    [
      'no tag',
      '{"push_data":{},"repository":{"repo_name":"a/b"}}',
      /push_data\.tag/,
    ],
    [
      'an empty tag',
      '{"push_data":{"tag":""},"repository":{"repo_name":"a/b"}}',
      /push_data\.tag/,
    ],
    ['no repository', '{"push_data":{"tag":"1"}}', /repository/],
    [
      'a time far away',
      '{"push_data":{"tag":"1","pushed_at":1e300},"repository":{"repo_name":"a/b"}}',
      /pushed_at/,
    ],
    [
      'an upper-case name',
      '{"push_data":{"tag":"1"},"repository":{"repo_name":"Acme/App"}}',
      /lowercase/,
    ],
    [
      'a tag with a space',
      '{"push_data":{"tag":"a b"},"repository":{"repo_name":"a/b"}}',
      /tag/,
    ],
  ])('refuses a body with %s as 400', (_, body, why) => {
    // Act
    const error = parseError(body);
    // Assess
    expect(error.status).toBe(400);
    expect(error.message).toMatch(why);
  });

  it('throws nothing but WebhookError 400 for any JSON or bytes', () => {
    const bodies = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .record({
          push_data: fc.record(
            { tag: fc.string(), pushed_at: fc.double() },
            { requiredKeys: [] }
          ),
          repository: fc.record(
            { repo_name: fc.string() },
            { requiredKeys: [] }
          ),
        })
        .map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 256 })
    );
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const parsed = dockerHub.parse(delivery(body));
          expect(parsed.kind).toBe('push');
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookError);
          expect((error as WebhookError).status).toBe(400);
        }
      }),
      { numRuns: 500 }
    );
  });
});
