import { createHash, createHmac } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../../../lib/engine/errors.js';
import { ghcr } from '../../../../lib/engine/webhooks/providers/ghcr.js';
import type {
  ProviderCredentials,
  WebhookDelivery,
} from '../../../../lib/engine/webhooks/types.js';

const SECRET = 'ghcr-webhook-secret-3b7f2e9a';
const FIXTURES = new URL('../../../fixtures/webhooks/ghcr/', import.meta.url);

const DIGEST = {
  single: `sha256:5ba041a0ac626a8240c8e2571d323320d2a4de35f8b5814af1b12df0348a7e96`,
  updated: `sha256:0e7d1c3b5a9f2e4d6c8b0a1f3e5d7c9b2a4f6e8d0c1b3a5f7e9d2c4b6a8f0e1d`,
  index: `sha256:9b2f4d6a8c0e1f3a5b7d9c2e4f6a8b0d1c3e5f7a9b2d4c6e8f0a1b3d5c7e9f2a`,
  amd64: `sha256:2b85d0e01f9b0893c602c30a149f8a09f123d8878ce0b595d611065eeedf6e2f`,
  arm64: `sha256:c25562283d8ad009ea05c8dab9e1cc24b7a00d18df3d6fe3ca73859115920bd0`,
};
const OCI_INDEX = 'application/vnd.oci.image.index.v1+json';
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';
const DOCKER_MANIFEST = 'application/vnd.docker.distribution.manifest.v2+json';

function fixture(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

function sign(secret: string, body: Uint8Array | string): string {
  return `sha256=${createHmac('sha256', secret).update(body).digest('hex')}`;
}

function delivery(
  body: Uint8Array | string,
  headers: Record<string, string> = {}
): WebhookDelivery {
  return {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? Buffer.from(body) : body,
    query: {},
    receivedAt: new Date('2025-01-01T12:00:10Z'),
  };
}

async function authError(
  target: WebhookDelivery,
  credentials: ProviderCredentials = { secret: SECRET }
): Promise<WebhookError> {
  const error = await ghcr.authenticate(target, credentials).then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(WebhookError);
  return error as WebhookError;
}

function parseError(target: WebhookDelivery): WebhookError {
  try {
    ghcr.parse(target);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookError);
    return error as WebhookError;
  }
  return expect.unreachable('parse should have thrown');
}

describe('ghcr.authenticate', () => {
  it("accepts GitHub's documented test vector", async () => {
    // Prepare: https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries
    const target = delivery('Hello, World!', {
      'x-hub-signature-256':
        'sha256=757107ea0eb2509fc211221cce984b8a37570b6d7586c22c46f4379c8b043e17',
    });
    // Act / Assess
    await expect(
      ghcr.authenticate(target, { secret: "It's a Secret to Everybody" })
    ).resolves.toBeUndefined();
  });

  it('accepts a fixture signed with the secret, in either hex case', async () => {
    // Prepare
    const body = fixture('registry-package-published.json');
    const upper = `sha256=${sign(SECRET, body).slice(7).toUpperCase()}`;
    // Act / Assess
    await expect(
      ghcr.authenticate(
        delivery(body, { 'x-hub-signature-256': sign(SECRET, body) }),
        { secret: SECRET }
      )
    ).resolves.toBeUndefined();
    await expect(
      ghcr.authenticate(delivery(body, { 'x-hub-signature-256': upper }), {
        secret: SECRET,
      })
    ).resolves.toBeUndefined();
  });

  it('refuses a body with one byte changed', async () => {
    // Prepare
    const body = fixture('registry-package-published.json');
    const signature = sign(SECRET, body);
    const forged = Uint8Array.from(body);
    const at = forged.indexOf('1'.charCodeAt(0));
    forged[at] = '2'.charCodeAt(0);
    // Act
    const error = await authError(
      delivery(forged, { 'x-hub-signature-256': signature })
    );
    // Assess
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/wrong X-Hub-Signature-256/);
  });

  it('refuses a signature made with another secret', async () => {
    // Prepare
    const body = fixture('registry-package-published.json');
    // Act
    const error = await authError(
      delivery(body, { 'x-hub-signature-256': sign(`${SECRET}!`, body) })
    );
    // Assess
    expect(error.status).toBe(401);
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses a delivery signed with the legacy SHA-1 header only', async () => {
    // Prepare
    const body = fixture('registry-package-published.json');
    const sha1 = createHmac('sha1', SECRET).update(body).digest('hex');
    // Act
    const error = await authError(
      delivery(body, { 'x-hub-signature': `sha1=${sha1}` })
    );
    // Assess
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/without X-Hub-Signature-256/);
  });

  it.each([
    ['no prefix', (s: string) => s.slice(7)],
    ['the sha1 prefix', (s: string) => `sha1=${s.slice(7)}`],
    ['a short digest', (s: string) => s.slice(0, -2)],
    ['non-hex digits', (s: string) => `${s.slice(0, -1)}g`],
    ['an empty value', () => ''],
  ])('refuses a header with %s', async (_, mangle) => {
    // Prepare
    const body = fixture('registry-package-published.json');
    const header = mangle(sign(SECRET, body));
    // Act
    const error = await authError(
      delivery(body, { 'x-hub-signature-256': header })
    );
    // Assess
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/malformed X-Hub-Signature-256/);
  });

  it('refuses every delivery when no secret is configured', async () => {
    // Prepare
    const body = fixture('registry-package-published.json');
    // Act
    const error = await authError(
      delivery(body, { 'x-hub-signature-256': sign('', body) }),
      {}
    );
    // Assess
    expect(error.status).toBe(401);
    expect(error.message).toMatch(/no secret configured/);
  });
});

describe('ghcr.parse', () => {
  it.each([
    [
      'registry-package-published.json',
      'registry_package',
      {
        registry: 'ghcr.io',
        repository: 'octo-org/api-server',
        tag: '1.4.0',
        digest: DIGEST.single,
        mediaType: DOCKER_MANIFEST,
      },
      '2025-01-01T00:00:00Z',
    ],
    [
      'registry-package-updated.json',
      'registry_package',
      {
        registry: 'ghcr.io',
        repository: 'octo-org/api-server',
        tag: 'stable',
        digest: DIGEST.updated,
        mediaType: OCI_MANIFEST,
      },
      '2025-01-01T06:00:00Z',
    ],
    [
      'package-published.json',
      'package',
      {
        registry: 'ghcr.io',
        repository: 'octo-org/api-server',
        tag: '1.4.0',
        digest: DIGEST.single,
        mediaType: DOCKER_MANIFEST,
      },
      '2025-01-01T00:00:00Z',
    ],
  ])('reads %s', (name, event, image, sentAt) => {
    // Prepare
    const body = fixture(name);
    // Act
    const parsed = ghcr.parse(delivery(body, { 'x-github-event': event }));
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [image],
      deliveryId: sha256Hex(body),
      sentAt: new Date(sentAt),
      ignored: 0,
    });
  });

  it('reads a multi-arch push: the tagged index and untagged platform manifests', () => {
    // Prepare: GitHub sends one delivery per manifest
    const names = [
      'multiarch-child-amd64.json',
      'multiarch-child-arm64.json',
      'multiarch-index.json',
    ];
    // Act
    const images = names.map((name) => {
      const parsed = ghcr.parse(
        delivery(fixture(name), { 'x-github-event': 'registry_package' })
      );
      return parsed.kind === 'push' ? parsed.images : [];
    });
    // Assess
    expect(images).toEqual([
      [
        {
          registry: 'ghcr.io',
          repository: 'octo-org/api-server',
          digest: DIGEST.amd64,
          mediaType: OCI_MANIFEST,
        },
      ],
      [
        {
          registry: 'ghcr.io',
          repository: 'octo-org/api-server',
          digest: DIGEST.arm64,
          mediaType: OCI_MANIFEST,
        },
      ],
      [
        {
          registry: 'ghcr.io',
          repository: 'octo-org/api-server',
          tag: '2.0.0',
          digest: DIGEST.index,
          mediaType: OCI_INDEX,
        },
      ],
    ]);
  });

  it("reads the documented example's shape: version digest, no zero time", () => {
    // Act
    const parsed = ghcr.parse(
      delivery(fixture('documented-shape.json'), {
        'x-github-event': 'registry_package',
      })
    );
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'ghcr.io',
          repository: 'octo-org/hello-world',
          digest: DIGEST.single,
          mediaType: DOCKER_MANIFEST,
        },
      ],
      deliveryId: expect.stringMatching(/^[0-9a-f]{64}$/),
      ignored: 0,
    });
  });

  it('answers a ping event', () => {
    // Act
    const parsed = ghcr.parse(
      delivery(fixture('ping.json'), { 'x-github-event': 'ping' })
    );
    // Assess
    expect(parsed).toEqual({ kind: 'ping' });
  });

  it.each([
    ['npm-published.json', 'registry_package', 'package type npm'],
    ['registry-package-published.json', 'push', 'event push'],
    ['registry-package-published.json', 'workflow_run', 'event workflow_run'],
  ])('ignores %s as %s', (name, event, reason) => {
    // Act
    const parsed = ghcr.parse(
      delivery(fixture(name), { 'x-github-event': event })
    );
    // Assess
    expect(parsed).toEqual({ kind: 'ignored', reason });
  });

  it('ignores actions other than published and updated', () => {
    // Prepare
    const payload = JSON.parse(
      fixture('registry-package-published.json').toString()
    );
    payload.action = 'deleted';
    // Act
    const parsed = ghcr.parse(
      delivery(JSON.stringify(payload), {
        'x-github-event': 'registry_package',
      })
    );
    // Assess
    expect(parsed).toEqual({ kind: 'ignored', reason: 'action deleted' });
  });

  it('accepts the package type in any case and falls back to the owner login', () => {
    // Prepare
    const body = JSON.stringify({
      action: 'published',
      registry_package: {
        name: 'Tools/CLI',
        package_type: 'container',
        owner: { login: 'Octo-Org' },
        package_version: {
          version: DIGEST.single,
          container_metadata: { tag: { name: 'v1', digest: '' } },
        },
      },
    });
    // Act
    const parsed = ghcr.parse(
      delivery(body, { 'x-github-event': 'registry_package' })
    );
    // Assess
    expect(parsed).toMatchObject({
      kind: 'push',
      images: [
        {
          registry: 'ghcr.io',
          repository: 'octo-org/tools/cli',
          tag: 'v1',
          digest: DIGEST.single,
        },
      ],
    });
  });

  const minimal = (version: Record<string, unknown>, extra = {}) =>
    JSON.stringify({
      action: 'published',
      registry_package: {
        name: 'app',
        package_type: 'CONTAINER',
        owner: { login: 'octo-org' },
        package_version: version,
        ...extra,
      },
    });

  it.each([
    ['not JSON', '{"action":', /not JSON/],
    ['no package', '{"action":"published"}', /registry_package\.package_type/],
    [
      'no package type',
      '{"action":"published","registry_package":{}}',
      /package_type/,
    ],
    ['no package version', minimal(undefined as never), /package_version/],
    [
      'neither tag nor digest',
      minimal({ version: '1.0', container_metadata: { tag: { name: '' } } }),
      /neither a tag nor a digest/,
    ],
    [
      'an invalid tag',
      minimal({ container_metadata: { tag: { name: 'a b' } } }),
      /tag/,
    ],
    [
      'no owner',
      minimal({ version: DIGEST.single }, { owner: null }),
      /names no owner/,
    ],
  ])('refuses a body with %s as 400', (_, body, why) => {
    // Act
    const error = parseError(
      delivery(body, { 'x-github-event': 'registry_package' })
    );
    // Assess
    expect(error.status).toBe(400);
    expect(error.message).toMatch(why);
  });

  it('refuses a delivery without X-GitHub-Event as 400', () => {
    // Act
    const error = parseError(delivery(fixture('ping.json')));
    // Assess
    expect(error.status).toBe(400);
  });

  it('throws nothing but WebhookError 400 for any JSON or bytes', () => {
    const events = fc.constantFrom(
      'registry_package',
      'package',
      'ping',
      'push'
    );
    const version = fc.record(
      {
        version: fc.oneof(fc.string(), fc.constant(DIGEST.single)),
        package_url: fc.oneof(
          fc.string(),
          fc.string().map((s) => `ghcr.io/${s}`)
        ),
        updated_at: fc.oneof(
          fc.string(),
          fc.date({ noInvalidDate: true }).map((d) => d.toISOString())
        ),
        container_metadata: fc.record(
          {
            tag: fc.record(
              { name: fc.string(), digest: fc.string() },
              { requiredKeys: [] }
            ),
            manifest: fc.record({ media_type: fc.string() }),
          },
          { requiredKeys: [] }
        ),
      },
      { requiredKeys: [] }
    );
    const shaped = fc
      .record({
        action: fc.constantFrom('published', 'updated', 'deleted'),
        registry_package: fc.record(
          {
            name: fc.string(),
            package_type: fc.constantFrom('CONTAINER', 'npm'),
            namespace: fc.string(),
            owner: fc.record({ login: fc.string() }),
            package_version: version,
          },
          { requiredKeys: [] }
        ),
      })
      .map((value) => JSON.stringify(value));
    const bodies = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      shaped,
      fc.uint8Array({ maxLength: 256 })
    );
    fc.assert(
      fc.property(bodies, events, (body, event) => {
        try {
          const parsed = ghcr.parse(
            delivery(body, { 'x-github-event': event })
          );
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

/** SHA-256 of the body, computed here rather than by the code under test. */
function sha256Hex(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}
