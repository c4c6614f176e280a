import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import { RegistryError } from '../../../../lib/engine/errors.js';
import type { Descriptor } from '../../../../lib/engine/manifest/manifest.js';
import { type Blob, buildImage, sha256 } from '../../../support/oci-image.js';
import { pushImage } from '../../../support/push.js';
import {
  type RegistryProcess,
  startRegistry,
} from '../../../support/registry.js';

type Built = Awaited<ReturnType<typeof buildImage>>;

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64', variant: 'v8' };

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

function descriptorOf(blob: Blob): Descriptor {
  return {
    mediaType: blob.mediaType,
    digest: blob.digest,
    size: blob.bytes.length,
  };
}

describe('HttpRegistry against a real registry, anonymous', () => {
  let server: RegistryProcess;
  let registry: HttpRegistry;
  const images: Record<string, Built> = {};
  let bigLayer: Blob;

  beforeAll(async () => {
    server = await startRegistry();
    registry = new HttpRegistry({ registry: server.host });
    const files = (content: Uint8Array | string) => [
      { path: 'bin/app', content },
    ];
    images['team/oci-index'] = await buildImage({
      images: [
        { platform: amd64, layers: [{ files: files('amd64') }] },
        { platform: arm64, layers: [{ files: files('arm64') }] },
      ],
    });
    images['team/oci-manifest'] = await buildImage({
      images: [
        {
          platform: amd64,
          layers: [
            { files: files(randomBytes(3_000_000)), compression: 'none' },
          ],
        },
      ],
    });
    images['team/docker-list'] = await buildImage({
      docker: true,
      images: [
        { platform: amd64, layers: [{ files: files('a') }] },
        { platform: arm64, layers: [{ files: files('b') }] },
      ],
    });
    for (const [repository, image] of Object.entries(images)) {
      await pushImage(image, {
        baseUrl: server.baseUrl,
        repository,
        tag: 'v1',
      });
    }
    const manifest = images['team/oci-manifest']!;
    bigLayer = [...manifest.blobs.values()].find(
      (blob) => blob.bytes.length > 2_000_000
    )!;
  });

  afterAll(async () => {
    await server?.stop();
  });

  it.each([
    ['team/oci-index', 'application/vnd.oci.image.index.v1+json'],
    ['team/oci-manifest', 'application/vnd.oci.image.manifest.v1+json'],
    [
      'team/docker-list',
      'application/vnd.docker.distribution.manifest.list.v2+json',
    ],
  ])(
    'fetches %s by tag and by digest, bytes as pushed',
    async (repository, type) => {
      // Prepare
      const top = images[repository]!.top;

      // Act
      const byTag = await registry.getManifest(repository, 'v1');
      const byDigest = await registry.getManifest(repository, top.digest);

      // Assess
      for (const response of [byTag, byDigest]) {
        expect(Buffer.from(response.bytes).equals(Buffer.from(top.bytes))).toBe(
          true
        );
        expect(response.mediaType).toBe(type);
        expect(response.digest).toBe(top.digest);
      }
    }
  );

  it('fetches a child manifest of an index by digest', async () => {
    // Prepare
    const image = images['team/oci-index']!;
    const child = image.manifests[1]!;

    // Act
    const response = await registry.getManifest('team/oci-index', child);

    // Assess
    expect(sha256(response.bytes)).toBe(child);
    expect(response.mediaType).toBe(
      'application/vnd.oci.image.manifest.v1+json'
    );
  });

  it('streams a multi-megabyte blob in large chunks with progress', async () => {
    // Prepare
    const progress: number[] = [];
    const chunks: number[] = [];

    // Act
    const bytes = await collect(
      (async function* () {
        for await (const chunk of registry.getBlob(
          'team/oci-manifest',
          descriptorOf(bigLayer),
          { onProgress: (n) => progress.push(n) }
        )) {
          chunks.push(chunk.length);
          yield chunk;
        }
      })()
    );

    // Assess
    expect(bytes.length).toBe(bigLayer.bytes.length);
    expect(sha256(bytes)).toBe(bigLayer.digest);
    expect(progress.at(-1)).toBe(bigLayer.bytes.length);
    expect(progress).toEqual([...progress].sort((a, b) => a - b));
    // Socket-sized chunks (16-64 KiB) or larger, never byte dribbles.
    expect(bytes.length / chunks.length).toBeGreaterThan(16 * 1024);
  });

  it('streams a config blob', async () => {
    // Prepare
    const image = images['team/docker-list']!;
    const config = [...image.blobs.values()].find((b) =>
      b.mediaType.includes('container.image')
    )!;

    // Act
    const bytes = await collect(
      registry.getBlob('team/docker-list', descriptorOf(config))
    );

    // Assess
    expect(sha256(bytes)).toBe(config.digest);
  });

  it('reports an unknown tag as not-found with MANIFEST_UNKNOWN', async () => {
    // Act
    const error = await registry
      .getManifest('team/oci-index', 'missing')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    const registryError = error as RegistryError;
    expect(registryError.code).toBe('not-found');
    expect(registryError.status).toBe(404);
    expect(registryError.diagnostics).toContain('MANIFEST_UNKNOWN');
    expect(registryError.retryable).toBe(false);
    expect(registryError.message).toContain('manifest missing not found');
  });

  it('reports an unknown blob as not-found with BLOB_UNKNOWN', async () => {
    // Prepare
    const absent = descriptorOf({
      digest: sha256(new TextEncoder().encode('absent')),
      bytes: new Uint8Array(6),
      mediaType: 'application/octet-stream',
    });

    // Act
    const error = await collect(
      registry.getBlob('team/oci-index', absent)
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('not-found');
    expect((error as RegistryError).diagnostics).toContain('BLOB_UNKNOWN');
  });

  it('stops when a blob is longer than its descriptor says', async () => {
    // Prepare
    const short = { ...descriptorOf(bigLayer), size: 1000 };
    let delivered = 0;

    // Act
    const error = await (async () => {
      for await (const chunk of registry.getBlob('team/oci-manifest', short)) {
        delivered += chunk.length;
      }
    })().catch((e: unknown) => e);

    // Assess
    expect((error as { code?: string }).code).toBe('size-mismatch');
    expect(delivered).toBeLessThanOrEqual(1000);
  });
});
