import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import { StaticAuth } from '../../../../lib/adapters/registry/static-auth.js';
import { RegistryError } from '../../../../lib/engine/errors.js';
import type { Credentials } from '../../../../lib/ports/registry-auth.js';
import { type Blob, buildImage, sha256 } from '../../../support/oci-image.js';
import { pushImage } from '../../../support/push.js';
import {
  type RegistryProcess,
  startRegistry,
} from '../../../support/registry.js';
import {
  startTokenServer,
  type TokenServer,
} from '../../../support/token-server.js';

const REPO = 'team/app';
const OTHER = 'team/other';
const alice: Credentials = {
  kind: 'basic',
  username: 'alice',
  password: 's3cret',
};

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('HttpRegistry against a registry with bearer token auth', () => {
  let tokens: TokenServer;
  let server: RegistryProcess;
  let top: Blob;
  let layer: Blob;
  let clock: number;

  const registryWith = (credentials?: Credentials) =>
    new HttpRegistry({
      registry: server.host,
      auth: credentials
        ? new StaticAuth({ [server.host]: credentials })
        : undefined,
      retry: { initialDelayMs: 1 },
      now: () => clock,
    });

  beforeAll(async () => {
    tokens = await startTokenServer({
      users: { alice: 's3cret' },
      refreshTokens: { 'refresh-abc': 'alice' },
    });
    server = await startRegistry({ extraConfig: tokens.registryConfig() });
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 's390x' },
          layers: [{ files: [{ path: 'bin/tool', content: 'tool' }] }],
        },
      ],
    });
    for (const repository of [REPO, OTHER]) {
      const push = tokens.mint('pusher', [
        { type: 'repository', name: repository, actions: ['pull', 'push'] },
      ]);
      await pushImage(image, {
        baseUrl: server.baseUrl,
        repository,
        tag: 'v1',
        headers: { authorization: `Bearer ${push}` },
      });
    }
    top = image.top;
    layer = [...image.blobs.values()].find((b) =>
      b.mediaType.includes('layer')
    )!;
  });

  afterAll(async () => {
    await server?.stop();
    await tokens?.stop();
  });

  beforeEach(() => {
    tokens.requests.length = 0;
    tokens.grant = (user, requested) => (user ? requested : []);
    tokens.tokenField = 'token';
    clock = Date.now();
  });

  it('fetches one pull token with Basic credentials and reuses it', async () => {
    // Prepare
    const registry = registryWith(alice);

    // Act
    const manifest = await registry.getManifest(REPO, 'v1');
    const again = await registry.getManifest(REPO, top.digest);
    const blob = await collect(
      registry.getBlob(REPO, {
        mediaType: layer.mediaType,
        digest: layer.digest,
        size: layer.bytes.length,
      })
    );

    // Assess
    expect(sha256(manifest.bytes)).toBe(top.digest);
    expect(sha256(again.bytes)).toBe(top.digest);
    expect(sha256(blob)).toBe(layer.digest);
    expect(tokens.requests).toHaveLength(1);
    expect(tokens.requests[0]).toMatchObject({
      method: 'GET',
      user: 'alice',
      service: tokens.service,
      scopes: [`repository:${REPO}:pull`],
    });
  });

  it('asks for a new token per repository and after expiry', async () => {
    // Prepare
    const registry = registryWith(alice);
    await registry.getManifest(REPO, 'v1');

    // Act
    await registry.getManifest(OTHER, 'v1');
    await registry.getManifest(REPO, 'v1');
    clock += 300_000;
    await registry.getManifest(REPO, 'v1');

    // Assess
    expect(tokens.requests.map((r) => r.scopes[0])).toEqual([
      `repository:${REPO}:pull`,
      `repository:${OTHER}:pull`,
      `repository:${REPO}:pull`,
    ]);
  });

  it('reads access_token when the service sends only that', async () => {
    // Prepare
    tokens.tokenField = 'access_token';

    // Act
    const manifest = await registryWith(alice).getManifest(REPO, 'v1');

    // Assess
    expect(sha256(manifest.bytes)).toBe(top.digest);
  });

  it('trades an identity token with an OAuth2 refresh_token POST', async () => {
    // Prepare
    const registry = registryWith({
      kind: 'identity-token',
      token: 'refresh-abc',
    });

    // Act
    const manifest = await registry.getManifest(REPO, 'v1');

    // Assess
    expect(sha256(manifest.bytes)).toBe(top.digest);
    expect(tokens.requests[0]).toMatchObject({
      method: 'POST',
      grantType: 'refresh_token',
      user: 'alice',
      authorization: undefined,
    });
  });

  it('reports credentials the token service refuses as an auth error', async () => {
    // Act
    const error = await registryWith({
      ...alice,
      password: 'nope',
    } as Credentials)
      .getManifest(REPO, 'v1')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('auth');
    expect((error as RegistryError).status).toBe(401);
    expect((error as RegistryError).message).not.toContain('nope');
  });

  it('drops a token the registry refuses for insufficient scope and fetches a new one', async () => {
    // Prepare
    const registry = registryWith(alice);
    tokens.grant = () => [];

    // Act
    const denied = await registry
      .getManifest(REPO, 'v1')
      .catch((e: unknown) => e);
    tokens.grant = (_, requested) => requested;
    const manifest = await registry.getManifest(REPO, 'v1');

    // Assess
    expect(denied).toBeInstanceOf(RegistryError);
    expect((denied as RegistryError).code).toBe('auth');
    expect(sha256(manifest.bytes)).toBe(top.digest);
    expect(tokens.requests).toHaveLength(2);
  });

  it('tells an anonymous caller refused by the registry to log in', async () => {
    // Act
    const error = await registryWith()
      .getManifest(REPO, 'v1')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).message).toMatch(
      /^authentication required for .*: run docker login or set credentials/
    );
    expect(tokens.requests).toMatchObject([
      { user: undefined, authorization: undefined },
    ]);
  });
});
