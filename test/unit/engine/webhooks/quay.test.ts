import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../../../lib/engine/errors.js';
import { quay } from '../../../../lib/engine/webhooks/providers/quay.js';
import type { WebhookDelivery } from '../../../../lib/engine/webhooks/types.js';

const SECRET = 'quay-url-token-fedcba9876543210';
const FIXTURES = new URL('../../../fixtures/webhooks/quay/', import.meta.url);

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

function parseError(body: Uint8Array | string): WebhookError {
  try {
    quay.parse(delivery(body));
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookError);
    return error as WebhookError;
  }
  return expect.unreachable('parse should have thrown');
}

describe('quay.authenticate', () => {
  it('accepts the configured URL token', async () => {
    // Prepare
    const push = delivery(fixture('repo-push.json'), { token: SECRET });
    // Act / Assess
    await expect(
      quay.authenticate(push, { secret: SECRET })
    ).resolves.toBeUndefined();
  });

  it.each([
    [
      'a wrong token',
      { token: 'quay-url-token-fedcba987654321' },
      { secret: SECRET },
    ],
    ['no token', {}, { secret: SECRET }],
    ['no secret configured', { token: SECRET }, {}],
  ])('refuses %s with 401', async (_, query, credentials) => {
    // Act
    const error = await quay
      .authenticate(delivery(fixture('repo-push.json'), query), credentials)
      .catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).status).toBe(401);
    expect((error as WebhookError).message).not.toContain(SECRET);
  });
});

describe('quay.parse', () => {
  it.each([
    [
      'repo-push.json',
      [{ registry: 'quay.io', repository: 'acme/api-server', tag: '1.4.0' }],
    ],
    [
      'repo-push-legacy.json',
      [
        { registry: 'quay.io', repository: 'acme/worker', tag: 'latest' },
        { registry: 'quay.io', repository: 'acme/worker', tag: '2.1.0' },
      ],
    ],
    [
      'repo-push-self-hosted.json',
      [
        {
          registry: 'registry.example.com:8443',
          repository: 'platform/gateway',
          tag: 'latest',
        },
        {
          registry: 'registry.example.com:8443',
          repository: 'platform/gateway',
          tag: '2025.01',
        },
      ],
    ],
  ])('reads %s', (name, images) => {
    // Act
    const parsed = quay.parse(delivery(fixture(name)));
    // Assess: nothing in a Quay body is unique, so no delivery id or time
    expect(parsed).toEqual({ kind: 'push', images, ignored: 0 });
  });

  it("answers Quay's test notification as a ping", () => {
    // Act
    const parsed = quay.parse(delivery(fixture('test-notification.json')));
    // Assess
    expect(parsed).toEqual({ kind: 'ping' });
  });

  it('reads a real push of the same tags as a push', () => {
    // Prepare: the test tags without the sample's pruned_image_count
    const body = JSON.stringify({
      repository: 'acme/api-server',
      docker_url: 'quay.io/acme/api-server',
      updated_tags: ['latest', 'foo'],
    });
    // Act
    const parsed = quay.parse(delivery(body));
    // Assess
    expect(parsed.kind).toBe('push');
  });

  it.each([['build-success.json'], ['vulnerability-found.json']])(
    'ignores %s, which names no updated tags',
    (name) => {
      // Act
      const parsed = quay.parse(delivery(fixture(name)));
      // Assess
      expect(parsed).toEqual({
        kind: 'ignored',
        reason: 'not a repo_push notification (no updated_tags)',
      });
    }
  );

  it('ignores a push with an empty tag list', () => {
    // Act
    const parsed = quay.parse(
      delivery('{"repository":"acme/app","updated_tags":[]}')
    );
    // Assess
    expect(parsed.kind).toBe('ignored');
  });

  it('defaults to quay.io and lists each tag once', () => {
    // Prepare
    const body = JSON.stringify({
      repository: 'acme/app',
      updated_tags: ['v1', 'v1', 'v2'],
    });
    // Act
    const parsed = quay.parse(delivery(body));
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        { registry: 'quay.io', repository: 'acme/app', tag: 'v1' },
        { registry: 'quay.io', repository: 'acme/app', tag: 'v2' },
      ],
      ignored: 0,
    });
  });

  it('takes the host from a docker_url written as a URL', () => {
    // Prepare
    const body = JSON.stringify({
      repository: 'acme/app',
      docker_url: 'https://Registry.Example.com/acme/app',
      updated_tags: ['v1'],
    });
    // Act
    const parsed = quay.parse(delivery(body));
    // Assess
    expect(parsed).toMatchObject({
      images: [{ registry: 'registry.example.com', repository: 'acme/app' }],
    });
  });

  it.each([
    ['not JSON', 'repo_push', /not JSON/],
    ['no repository', '{"updated_tags":["a"]}', /repository/],
    [
      'tags that are not strings',
      '{"repository":"a/b","updated_tags":[1]}',
      /updated_tags/,
    ],
    ['an invalid tag', '{"repository":"a/b","updated_tags":["-x"]}', /tag/],
    [
      'an upper-case repository',
      '{"repository":"A/B","updated_tags":["x"]}',
      /lowercase/,
    ],
    [
      'a host that reads as a namespace',
      '{"repository":"a/b","docker_url":"quay/a/b","updated_tags":["x"]}',
      /docker_url host "quay"/,
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
        .record(
          {
            repository: fc.string(),
            docker_url: fc.string(),
            updated_tags: fc.oneof(
              fc.array(fc.string()),
              fc.dictionary(fc.string(), fc.jsonValue())
            ),
            pruned_image_count: fc.jsonValue(),
          },
          { requiredKeys: [] }
        )
        .map((value) => JSON.stringify(value)),
      fc.uint8Array({ maxLength: 256 })
    );
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const parsed = quay.parse(delivery(body));
          expect(['push', 'ping', 'ignored']).toContain(parsed.kind);
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookError);
          expect((error as WebhookError).status).toBe(400);
        }
      }),
      { numRuns: 500 }
    );
  });
});
