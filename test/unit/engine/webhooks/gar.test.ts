import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import {
  type CryptoKey,
  createLocalJWKSet,
  exportJWK,
  generateKeyPair,
  type JWTPayload,
  SignJWT,
} from 'jose';
import { beforeAll, describe, expect, it } from 'vitest';
import { WebhookError } from '../../../../lib/engine/errors.js';
import { gar } from '../../../../lib/engine/webhooks/providers/gar.js';
import type {
  OidcSettings,
  ProviderCredentials,
  WebhookDelivery,
} from '../../../../lib/engine/webhooks/types.js';

const FIXTURES = new URL('../../../fixtures/webhooks/gar/', import.meta.url);
const AUDIENCE = 'https://scan.example.com/webhooks/gar';
const EMAIL = 'pubsub-push@acme-prod.iam.gserviceaccount.com';
const RECEIVED = new Date('2025-01-01T00:00:10Z');
const NOW = Math.floor(RECEIVED.getTime() / 1000);
const IMAGE = 'us-east1-docker.pkg.dev/acme-prod/containers/api-server';
const INDEX = `sha256:3f1d9a7c5e2b4d6f8a0c1e3b5d7f9a2c4e6b8d0f1a3c5e7b9d2f4a6c8e0b1d3f`;

let signingKey: CryptoKey;
let otherKey: CryptoKey;
let oidc: OidcSettings;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  const other = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  otherKey = other.privateKey;
  const jwk = { ...(await exportJWK(pair.publicKey)), kid: 'k1', alg: 'RS256' };
  oidc = {
    audience: AUDIENCE,
    email: EMAIL,
    keys: createLocalJWKSet({ keys: [jwk] }),
  };
});

interface TokenOptions {
  readonly claims?: JWTPayload;
  readonly key?: CryptoKey;
  readonly kid?: string;
  readonly issuer?: string;
  readonly audience?: string;
  readonly issuedAt?: number;
  readonly expires?: number;
}

/** A Pub/Sub-style push token: RS256, Google issuer, e-mail claims. */
function token(options: TokenOptions = {}): Promise<string> {
  return new SignJWT({
    email: EMAIL,
    email_verified: true,
    ...options.claims,
  })
    .setProtectedHeader({ alg: 'RS256', kid: options.kid ?? 'k1', typ: 'JWT' })
    .setIssuer(options.issuer ?? 'https://accounts.google.com')
    .setAudience(options.audience ?? AUDIENCE)
    .setSubject('113774264463038321964')
    .setIssuedAt(options.issuedAt ?? NOW - 60)
    .setExpirationTime(options.expires ?? NOW + 3540)
    .sign(options.key ?? signingKey);
}

function fixture(name: string): Uint8Array {
  return readFileSync(new URL(name, FIXTURES));
}

function delivery(
  body: Uint8Array | string,
  headers: Record<string, string> = {},
  query: Record<string, string> = {}
): WebhookDelivery {
  return {
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? Buffer.from(body) : body,
    query,
    receivedAt: RECEIVED,
  };
}

function bearer(jwt: string): WebhookDelivery {
  return delivery(fixture('insert-tagged.json'), {
    authorization: `Bearer ${jwt}`,
  });
}

async function authError(
  target: WebhookDelivery,
  credentials: ProviderCredentials = { oidc }
): Promise<WebhookError> {
  const error = await gar.authenticate(target, credentials).then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(WebhookError);
  expect((error as WebhookError).status).toBe(401);
  return error as WebhookError;
}

function pushBody(notification: unknown, message = {}): string {
  const data = Buffer.from(JSON.stringify(notification)).toString('base64');
  return JSON.stringify({
    message: {
      data,
      messageId: '42',
      publishTime: '2025-01-01T00:00:05Z',
      ...message,
    },
    subscription: 'projects/acme-prod/subscriptions/archscan-push',
  });
}

function parseError(body: string): WebhookError {
  try {
    gar.parse(delivery(body));
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookError);
    return error as WebhookError;
  }
  return expect.unreachable('parse should have thrown');
}

describe('gar.authenticate with OIDC', () => {
  it('accepts a token signed by a listed key for the audience and account', async () => {
    // Prepare
    const jwt = await token();
    // Act / Assess
    await expect(
      gar.authenticate(bearer(jwt), { oidc })
    ).resolves.toBeUndefined();
  });

  it('accepts the bare issuer name', async () => {
    // Prepare
    const jwt = await token({ issuer: 'accounts.google.com' });
    // Act / Assess
    await expect(
      gar.authenticate(bearer(jwt), { oidc })
    ).resolves.toBeUndefined();
  });

  it('refuses every token when no service account e-mail is configured', async () => {
    // Prepare: any Google account can mint a token for our audience
    const jwt = await token({
      claims: { email: 'someone-else@example.com', email_verified: true },
    });
    const { email: _, ...anyAccount } = oidc;
    // Act
    const error = await gar
      .authenticate(bearer(jwt), { oidc: anyAccount })
      .catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ status: 401 });
    expect((error as Error).message).toMatch(/no service account e-mail/);
  });

  it('accepts a configured issuer instead of Google', async () => {
    // Prepare
    const jwt = await token({ issuer: 'https://issuer.example.com' });
    // Act / Assess
    await expect(
      gar.authenticate(bearer(jwt), {
        oidc: { ...oidc, issuers: ['https://issuer.example.com'] },
      })
    ).resolves.toBeUndefined();
  });

  it.each<[string, () => Promise<string>, RegExp]>([
    [
      'a wrong audience',
      () => token({ audience: 'https://other.example.com' }),
      /wrong audience/,
    ],
    [
      'an expired token',
      () => token({ issuedAt: NOW - 7200, expires: NOW - 3600 }),
      /expired/,
    ],
    [
      'a wrong issuer',
      () => token({ issuer: 'https://evil.example.com' }),
      /wrong issuer/,
    ],
    [
      'another key with the same key id',
      () => token({ key: otherKey }),
      /signature does not match/,
    ],
    [
      'an unknown key',
      () => token({ key: otherKey, kid: 'k2' }),
      /unknown key/,
    ],
    [
      'an account that is not the configured one',
      () => token({ claims: { email: 'intruder@example.com' } }),
      /another service account/,
    ],
    [
      'a token not valid yet',
      () => token({ claims: { nbf: NOW + 600 } }),
      /claim nbf is not valid/,
    ],
    [
      'an unverified e-mail',
      () => token({ claims: { email_verified: false } }),
      /not verified/,
    ],
    [
      'an e-mail verified as a string',
      () => token({ claims: { email_verified: 'true' } }),
      /not verified/,
    ],
  ])('refuses %s', async (_, make, why) => {
    // Prepare
    const jwt = await make();
    // Act
    const error = await authError(bearer(jwt));
    // Assess
    expect(error.message).toMatch(why);
    expect(error.message).not.toContain(jwt);
    expect(error.message).not.toContain(jwt.split('.')[2]);
  });

  it('refuses an unsigned token (alg none)', async () => {
    // Prepare
    const part = (value: object) =>
      Buffer.from(JSON.stringify(value)).toString('base64url');
    const jwt = `${part({ alg: 'none', typ: 'JWT' })}.${part({
      iss: 'https://accounts.google.com',
      aud: AUDIENCE,
      email: EMAIL,
      email_verified: true,
      iat: NOW - 60,
      exp: NOW + 3540,
    })}.`;
    // Act
    const error = await authError(bearer(jwt));
    // Assess
    expect(error.message).toMatch(/algorithm not allowed/);
    expect(error.message).not.toContain(jwt);
  });

  it.each([
    ['no Authorization header', {}],
    ['a Basic credential', { authorization: 'Basic dXNlcjpwYXNz' }],
    ['an empty bearer', { authorization: 'Bearer ' }],
  ])('refuses %s', async (_, headers) => {
    // Act
    const error = await authError(
      delivery(fixture('insert-tagged.json'), headers)
    );
    // Assess
    expect(error.message).toMatch(/without a bearer token/);
  });

  it('refuses a token that is not a JWT', async () => {
    // Act
    const error = await authError(bearer('not-a-jwt'));
    // Assess
    expect(error.message).toMatch(/malformed token/);
  });

  it('refuses when the signing keys cannot be read', async () => {
    // Prepare
    const jwt = await token();
    const broken: OidcSettings = {
      ...oidc,
      keys: async () => {
        throw new TypeError('fetch failed');
      },
    };
    // Act
    const error = await authError(bearer(jwt), { oidc: broken });
    // Assess
    expect(error.message).toMatch(/signing keys could not be read/);
  });
});

describe('gar.authenticate without OIDC', () => {
  const SECRET = 'gar-url-token-5c1e9d7b3a';

  it('accepts the URL token when only a secret is configured', async () => {
    // Act / Assess
    await expect(
      gar.authenticate(
        delivery(fixture('insert-tagged.json'), {}, { token: SECRET }),
        {
          secret: SECRET,
        }
      )
    ).resolves.toBeUndefined();
  });

  it('refuses a wrong URL token', async () => {
    // Act
    const error = await authError(
      delivery(fixture('insert-tagged.json'), {}, { token: 'guess' }),
      { secret: SECRET }
    );
    // Assess
    expect(error.message).not.toContain(SECRET);
  });

  it('refuses everything when neither OIDC nor a secret is configured', async () => {
    // Prepare
    const jwt = await token();
    // Act
    const error = await authError(bearer(jwt), {});
    // Assess
    expect(error.message).toMatch(/neither oidc nor a secret/);
  });
});

describe('gar.parse', () => {
  it('reads a tagged INSERT', () => {
    // Act
    const parsed = gar.parse(delivery(fixture('insert-tagged.json')));
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'us-east1-docker.pkg.dev',
          repository: 'acme-prod/containers/api-server',
          tag: '1.4.0',
          digest: INDEX,
        },
      ],
      deliveryId: '13042981620371854',
      sentAt: new Date('2025-01-01T00:00:05.123Z'),
      ignored: 0,
    });
  });

  it('reads an INSERT that names only a tag', () => {
    // Act
    const parsed = gar.parse(delivery(fixture('insert-tag-only.json')));
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        {
          registry: 'us-east1-docker.pkg.dev',
          repository: 'acme-prod/containers/api-server',
          tag: 'stable',
        },
      ],
      deliveryId: '13042981620371857',
      sentAt: new Date('2025-01-01T00:01:00.000Z'),
      ignored: 0,
    });
  });

  it.each([
    ['insert-untagged.json', '13042981620371853', /untagged manifest/],
    ['delete.json', '13042981620371860', /^action DELETE$/],
  ])('ignores %s', (name, deliveryId, reason) => {
    // Act
    const parsed = gar.parse(delivery(fixture(name)));
    // Assess
    expect(parsed).toEqual({
      kind: 'ignored',
      reason: expect.stringMatching(reason),
      deliveryId,
    });
  });

  it('reads the snake_case names Pub/Sub also sends', () => {
    // Prepare
    const data = Buffer.from(
      JSON.stringify({ action: 'INSERT', tag: `${IMAGE}:2.0` })
    ).toString('base64');
    const body = JSON.stringify({
      message: { data, message_id: '7', publish_time: '2025-01-01T00:00:00Z' },
    });
    // Act
    const parsed = gar.parse(delivery(body));
    // Assess
    expect(parsed).toMatchObject({
      kind: 'push',
      deliveryId: '7',
      sentAt: new Date('2025-01-01T00:00:00Z'),
    });
  });

  it('reads a legacy gcr.io host like any other', () => {
    // Act
    const parsed = gar.parse(
      delivery(pushBody({ action: 'INSERT', tag: 'gcr.io/acme-prod/app:1' }))
    );
    // Assess
    expect(parsed).toMatchObject({
      images: [{ registry: 'gcr.io', repository: 'acme-prod/app', tag: '1' }],
    });
  });

  it.each([
    ['not JSON', '{"message":', /not JSON/],
    ['no message', '{"subscription":"s"}', /message/],
    ['no data', '{"message":{"messageId":"1"}}', /message\.data/],
    [
      'data that is not base64',
      '{"message":{"data":"not base64!"}}',
      /not base64/,
    ],
    [
      'data that is not JSON',
      JSON.stringify({
        message: { data: Buffer.from('{').toString('base64') },
      }),
      /data is not JSON/,
    ],
    ['data without an action', pushBody({ tag: `${IMAGE}:1` }), /action/],
    [
      'an INSERT naming nothing',
      pushBody({ action: 'INSERT' }),
      /neither a digest nor a tag/,
    ],
    [
      'a tag without a host',
      pushBody({ action: 'INSERT', tag: 'proj/repo/img:1' }),
      /registry host/,
    ],
    [
      'a tag without a tag',
      pushBody({ action: 'INSERT', tag: IMAGE }),
      /tag or digest/,
    ],
    [
      'a tag with a digest only',
      pushBody({ action: 'INSERT', tag: `${IMAGE}@${INDEX}` }),
      /must be host\/path:tag/,
    ],
    [
      'an invalid tag',
      pushBody({ action: 'INSERT', tag: `${IMAGE}:-1` }),
      /tag/,
    ],
    [
      'a digest of another image',
      pushBody({
        action: 'INSERT',
        tag: `${IMAGE}:1`,
        digest: `${IMAGE}-other@${INDEX}`,
      }),
      /of the tagged image/,
    ],
    [
      'a digest that is a tag',
      pushBody({ action: 'INSERT', tag: `${IMAGE}:1`, digest: `${IMAGE}:2` }),
      /of the tagged image/,
    ],
    [
      'a bad digest',
      pushBody({
        action: 'INSERT',
        tag: `${IMAGE}:1`,
        digest: `${IMAGE}@sha256:1`,
      }),
      /digest/,
    ],
    [
      'a publish time that is not a time',
      pushBody(
        { action: 'INSERT', tag: `${IMAGE}:1` },
        { publishTime: 'yesterday' }
      ),
      /publishTime/,
    ],
  ])('refuses a body with %s as 400', (_, body, why) => {
    // Act
    const error = parseError(body);
    // Assess
    expect(error.status).toBe(400);
    expect(error.message).toMatch(why);
  });

  it('throws nothing but WebhookError 400 for any JSON, data or bytes', () => {
    const reference = fc.oneof(
      fc.string(),
      fc.string().map((s) => `${IMAGE}:${s}`),
      fc.string().map((s) => `${IMAGE}@${s}`)
    );
    const notification = fc.oneof(
      fc.jsonValue(),
      fc.record(
        {
          action: fc.constantFrom('INSERT', 'DELETE', 'UPDATE'),
          tag: reference,
          digest: reference,
        },
        { requiredKeys: [] }
      )
    );
    const bodies = fc.oneof(
      fc.jsonValue().map((value) => JSON.stringify(value)),
      fc
        .tuple(
          notification,
          fc.record({ publishTime: fc.string() }, { requiredKeys: [] })
        )
        .map(([value, message]) => pushBody(value, message)),
      fc.string().map((data) => JSON.stringify({ message: { data } })),
      fc.uint8Array({ maxLength: 256 })
    );
    fc.assert(
      fc.property(bodies, (body) => {
        try {
          const parsed = gar.parse(delivery(body));
          expect(['push', 'ignored']).toContain(parsed.kind);
        } catch (error) {
          expect(error).toBeInstanceOf(WebhookError);
          expect((error as WebhookError).status).toBe(400);
        }
      }),
      { numRuns: 500 }
    );
  });
});
