import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import { StaticAuth } from '../../../../lib/adapters/registry/static-auth.js';
import { RegistryError } from '../../../../lib/engine/errors.js';
import type { Credentials } from '../../../../lib/ports/registry-auth.js';
import {
  type FaultProxy,
  startFaultProxy,
} from '../../../support/fault-proxy.js';
import { type Blob, buildImage, sha256 } from '../../../support/oci-image.js';
import { pushImage } from '../../../support/push.js';
import {
  type RegistryProcess,
  startRegistry,
} from '../../../support/registry.js';

const REPO = 'team/app';
const USER = 'scanner';
const PASSWORD = 'correct-horse-battery';

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('HttpRegistry against a registry with htpasswd (Basic) auth', () => {
  let dir: string;
  let server: RegistryProcess;
  let proxy: FaultProxy;
  let top: Blob;
  let config: Blob;

  const registryWith = (credentials?: Credentials) =>
    new HttpRegistry({
      registry: proxy.host,
      auth: credentials
        ? new StaticAuth({ [proxy.host]: credentials })
        : undefined,
      retry: { initialDelayMs: 1 },
    });

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archscan-htpasswd-'));
    const htpasswd = join(dir, 'htpasswd');
    await writeFile(
      htpasswd,
      execFileSync('htpasswd', ['-Bbn', USER, PASSWORD], { encoding: 'utf8' })
    );
    server = await startRegistry({
      extraConfig: `auth:\n  htpasswd:\n    realm: archscan-test\n    path: ${htpasswd}\n`,
    });
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'arm64' },
          layers: [{ files: [{ path: 'x', content: 'x' }] }],
        },
      ],
    });
    const basic = Buffer.from(`${USER}:${PASSWORD}`).toString('base64');
    await pushImage(image, {
      baseUrl: server.baseUrl,
      repository: REPO,
      tag: 'v1',
      headers: { authorization: `Basic ${basic}` },
    });
    top = image.top;
    config = [...image.blobs.values()].find((b) =>
      b.mediaType.includes('config')
    )!;
    proxy = await startFaultProxy(server.baseUrl);
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  beforeEach(() => proxy.reset());

  it('answers the Basic challenge, then sends credentials up front', async () => {
    // Prepare
    const registry = registryWith({
      kind: 'basic',
      username: USER,
      password: PASSWORD,
    });

    // Act
    const manifest = await registry.getManifest(REPO, 'v1');
    const blob = await collect(
      registry.getBlob(REPO, {
        mediaType: config.mediaType,
        digest: config.digest,
        size: config.bytes.length,
      })
    );

    // Assess
    expect(sha256(manifest.bytes)).toBe(top.digest);
    expect(sha256(blob)).toBe(config.digest);
    const sent = proxy.requests.map((r) => r.headers.authorization);
    expect(sent).toHaveLength(3);
    expect(sent[0]).toBeUndefined();
    expect(sent[1]).toMatch(/^Basic /);
    expect(sent[2]).toBe(sent[1]);
  });

  it('reports a wrong password as an auth error without the password', async () => {
    // Prepare
    const registry = registryWith({
      kind: 'basic',
      username: USER,
      password: 'wrong-password',
    });

    // Act
    const error = await registry
      .getManifest(REPO, 'v1')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    const registryError = error as RegistryError;
    expect(registryError.code).toBe('auth');
    expect(registryError.status).toBe(401);
    expect(registryError.retryable).toBe(false);
    expect(registryError.message).toContain('authentication failed');
    expect(registryError.message).not.toContain('wrong-password');
    expect(proxy.requests).toHaveLength(2);
  });

  it('tells an anonymous caller to log in', async () => {
    // Act
    const error = await registryWith()
      .getManifest(REPO, 'v1')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('auth');
    expect((error as RegistryError).message).toBe(
      `authentication required for ${proxy.host}/${REPO}: run docker login or set credentials (registry says UNAUTHORIZED)`
    );
  });
});
