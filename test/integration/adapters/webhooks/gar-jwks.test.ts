/**
 * Pub/Sub push authentication against a JWKS served over HTTP, the way
 * `archscan serve` and the Lambda receiver resolve Google's keys: jose's
 * createRemoteJWKSet fetching from a real server on 127.0.0.1.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  type CryptoKey,
  createRemoteJWKSet,
  exportJWK,
  generateKeyPair,
  type JWK,
  SignJWT,
} from 'jose';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebhookError } from '../../../../lib/engine/errors.js';
import { gar } from '../../../../lib/engine/webhooks/providers/gar.js';
import type {
  OidcSettings,
  WebhookDelivery,
} from '../../../../lib/engine/webhooks/types.js';

const AUDIENCE = 'https://scan.example.com/webhooks/gar';
const EMAIL = 'pubsub-push@acme-prod.iam.gserviceaccount.com';
const RECEIVED = new Date('2025-01-01T00:00:10Z');
const NOW = Math.floor(RECEIVED.getTime() / 1000);
const BODY = readFileSync(
  new URL('../../../fixtures/webhooks/gar/insert-tagged.json', import.meta.url)
);

let server: Server;
let origin: string;
const requests: string[] = [];
let signingKey: CryptoKey;
let strangerKey: CryptoKey;
let published: JWK;

beforeAll(async () => {
  const pair = await generateKeyPair('RS256');
  signingKey = pair.privateKey;
  strangerKey = (await generateKeyPair('RS256')).privateKey;
  published = {
    ...(await exportJWK(pair.publicKey)),
    kid: 'k1',
    alg: 'RS256',
    use: 'sig',
  };
  server = createServer((req, res) => {
    requests.push(req.url ?? '');
    if (req.url === '/oauth2/v3/certs') {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ keys: [published] }));
      return;
    }
    res.writeHead(500, { 'content-type': 'text/plain' });
    res.end('unavailable');
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});

afterAll(async () => {
  await new Promise<void>((resolve, reject) =>
    server.close((error) => (error ? reject(error) : resolve()))
  );
});

function settings(path: string): OidcSettings {
  return {
    audience: AUDIENCE,
    email: EMAIL,
    keys: createRemoteJWKSet(new URL(path, origin)),
  };
}

function token(key: CryptoKey, kid: string): Promise<string> {
  return new SignJWT({ email: EMAIL, email_verified: true })
    .setProtectedHeader({ alg: 'RS256', kid, typ: 'JWT' })
    .setIssuer('https://accounts.google.com')
    .setAudience(AUDIENCE)
    .setIssuedAt(NOW - 60)
    .setExpirationTime(NOW + 3540)
    .sign(key);
}

function delivery(jwt: string): WebhookDelivery {
  return {
    headers: {
      'content-type': 'application/json',
      authorization: `Bearer ${jwt}`,
    },
    body: BODY,
    query: {},
    receivedAt: RECEIVED,
  };
}

async function refusal(promise: Promise<unknown>): Promise<WebhookError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e
  );
  expect(error).toBeInstanceOf(WebhookError);
  expect((error as WebhookError).status).toBe(401);
  return error as WebhookError;
}

describe('gar push authentication with a remote JWKS', () => {
  it('accepts a token signed by a key the server publishes', async () => {
    // Prepare
    const oidc = settings('/oauth2/v3/certs');
    const before = requests.length;
    // Act
    await gar.authenticate(delivery(await token(signingKey, 'k1')), { oidc });
    // Assess
    expect(requests.slice(before)).toContain('/oauth2/v3/certs');
  });

  it('refuses a token signed by a key the server does not publish', async () => {
    // Prepare
    const oidc = settings('/oauth2/v3/certs');
    // Act
    const error = await refusal(
      gar.authenticate(delivery(await token(strangerKey, 'k9')), { oidc })
    );
    // Assess
    expect(error.message).toMatch(/unknown key/);
  });

  it('refuses a forged token that reuses a published key id', async () => {
    // Prepare
    const oidc = settings('/oauth2/v3/certs');
    // Act
    const error = await refusal(
      gar.authenticate(delivery(await token(strangerKey, 'k1')), { oidc })
    );
    // Assess
    expect(error.message).toMatch(/signature does not match/);
  });

  it('refuses every delivery while the key server fails', async () => {
    // Prepare
    const oidc = settings('/broken/certs');
    const before = requests.length;
    // Act
    const error = await refusal(
      gar.authenticate(delivery(await token(signingKey, 'k1')), { oidc })
    );
    // Assess
    expect(error.message).toMatch(/signing keys could not be read/);
    expect(requests.slice(before)).toContain('/broken/certs');
  });
});
