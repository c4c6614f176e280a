/**
 * Hostile images through the whole scan: each ends as `error` with a clear
 * message, or is handled, and never as `pass` when the scan could not finish.
 */
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';
import { describe, expect, it } from 'vitest';
import { DEFAULT_LAYER_LIMITS } from '../../../lib/engine/layer/scan-layer.js';
import { scanImage } from '../../../lib/usecases/scan-image.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import { MemoryRegistry } from '../../support/memory-registry.js';
import { type Blob, buildImage, OCI, sha256 } from '../../support/oci-image.js';

const arm64 = { os: 'linux', architecture: 'arm64' };
const target = {
  reference: 'mem/app:v1',
  repository: 'app',
  tagOrDigest: 'v1',
};

/** Replaces the first layer of a one-platform image with `layer` (already compressed). */
async function withLayer(layer: Uint8Array, mediaType: string = OCI.layerGzip) {
  const image = await buildImage({
    images: [{ platform: arm64, layers: [{ files: [] }] }],
  });
  const manifest = JSON.parse(new TextDecoder().decode(image.top.bytes));
  const blob: Blob = { digest: sha256(layer), bytes: layer, mediaType };
  image.blobs.set(blob.digest, blob);
  manifest.layers = [{ mediaType, digest: blob.digest, size: layer.length }];
  const bytes = new TextEncoder().encode(JSON.stringify(manifest));
  const top: Blob = { digest: sha256(bytes), bytes, mediaType: OCI.manifest };
  image.blobs.set(top.digest, top);
  return new MemoryRegistry().add({ top, blobs: image.blobs }, 'v1');
}

async function packTar(
  entries: (pack: tarStream.Pack) => void
): Promise<Buffer> {
  const pack = tarStream.pack();
  const parts: Buffer[] = [];
  pack.on('data', (chunk: unknown) => parts.push(chunk as Buffer));
  const ended = new Promise<void>((resolve) => pack.on('end', () => resolve()));
  entries(pack);
  pack.finalize();
  await ended;
  return Buffer.concat(parts);
}

describe('hostile images', () => {
  it('stops a gzip bomb by its inflate ratio, early, as error', async () => {
    // Prepare: a tar header for a 2 GiB file, then 64 MiB of zeros, gzipped to ~64 KB
    const header = await packTar((pack) =>
      pack.entry(
        { name: 'zeros', size: 0, pax: { size: String(2 * 1024 ** 3) } },
        Buffer.alloc(0)
      )
    );
    const bomb = gzipSync(
      Buffer.concat([header, Buffer.alloc(64 * 1024 * 1024)]),
      { level: 9 }
    );
    const registry = await withLayer(bomb);
    // Act
    const report = await scanImage(
      target,
      { registry },
      { limits: { ...DEFAULT_LAYER_LIMITS, minRatioBytes: 4 * 1024 * 1024 } }
    );
    // Assess
    expect(report.status).toBe('error');
    expect(report.error).toMatchObject({ code: 'limit-exceeded' });
    expect(report.error?.message).toMatch(/decompression bomb/);
    const cap = Math.max(4 * 1024 * 1024, 200 * bomb.length);
    expect(report.error?.message).toContain(`more than ${cap} bytes`);
    expect(cap).toBeLessThan(32 * 1024 * 1024);
  });

  it('reports a tar header claiming a 1 TB file as error, not pass', async () => {
    const header = await packTar((pack) =>
      pack.entry(
        { name: 'huge', size: 0, pax: { size: String(2 ** 40) } },
        Buffer.alloc(0)
      )
    );
    const registry = await withLayer(
      gzipSync(Buffer.concat([header, Buffer.alloc(1024 * 1024)]))
    );
    const report = await scanImage(target, { registry });
    expect(report).toMatchObject({
      status: 'error',
      error: { code: 'format' },
    });
    expect(report.error?.message).toMatch(/not a valid tar archive: truncated/);
  });

  it('handles a symlink loop as the entrypoint: not found, and the scan completes', async () => {
    // Prepare
    const image = await buildImage({
      images: [
        {
          platform: arm64,
          entrypoint: ['/bin/a'],
          layers: [
            {
              files: [
                { path: 'bin/a', type: 'symlink', link: 'b' },
                { path: 'bin/b', type: 'symlink', link: '/bin/a' },
                { path: 'app/x', content: fixture('hello-amd64-static') },
              ],
            },
          ],
        },
      ],
    });
    // Act
    const report = await scanImage(target, {
      registry: new MemoryRegistry().add(image, 'v1'),
    });
    // Assess
    expect(report.status).toBe('fail');
    expect(report.platforms[0]?.entrypoint.resolvedPath).toBeNull();
    expect(report.findings.map((f) => f.path)).toEqual(['/app/x']);
  });

  it('handles a 10,000-deep path with a warning and keeps judging the rest', async () => {
    const image = await buildImage({
      images: [
        {
          platform: arm64,
          layers: [
            {
              files: [
                {
                  path: `${'d/'.repeat(10_000)}tool`,
                  content: fixture('hello-amd64-static'),
                },
                { path: 'app/x', content: fixture('hello-amd64-static') },
              ],
            },
          ],
        },
      ],
    });
    const report = await scanImage(target, {
      registry: new MemoryRegistry().add(image, 'v1'),
    });
    expect(report.findings.map((f) => f.path)).toEqual(['/app/x']);
    expect(report.warnings.join('\n')).toMatch(/20004 characters long/);
  });

  it('refuses a manifest over 4 MiB as error', async () => {
    // Prepare
    const image = await buildImage({
      images: [{ platform: arm64, layers: [] }],
    });
    const manifest = JSON.parse(new TextDecoder().decode(image.top.bytes));
    manifest.annotations = { padding: 'x'.repeat(5 * 1024 * 1024) };
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    const top: Blob = { digest: sha256(bytes), bytes, mediaType: OCI.manifest };
    image.blobs.set(top.digest, top);
    const registry = new MemoryRegistry().add(
      { top, blobs: image.blobs },
      'v1'
    );
    // Act
    const report = await scanImage(target, { registry });
    // Assess
    expect(report.status).toBe('error');
    expect(report.error?.message).toMatch(/over the 4194304-byte limit/);
  });

  it('reports garbage where a layer should be as error', async () => {
    const registry = await withLayer(
      new Uint8Array(fixture('hello-arm64')),
      OCI.layer
    );
    const report = await scanImage(target, { registry });
    expect(report).toMatchObject({
      status: 'error',
      error: { code: 'format' },
    });
  });
});

describe('images that cannot be judged whole', () => {
  it('reads a BuildKit uncompressed docker layer type', async () => {
    // Prepare
    const tar = await packTar((pack) =>
      pack.entry(
        { name: 'app', mode: 0o755 },
        Buffer.from(fixture('hello-amd64-static'))
      )
    );
    const registry = await withLayer(
      tar,
      'application/vnd.docker.image.rootfs.diff.tar'
    );
    // Act
    const report = await scanImage(target, { registry });
    // Assess
    expect(report.findings.map((f) => [f.kind, f.path])).toEqual([
      ['binary-arch-mismatch', '/app'],
    ]);
  });

  it('ends as error, not pass, when a layer is of a type it cannot read', async () => {
    const registry = await withLayer(
      new Uint8Array(gzipSync(Buffer.from('x'))),
      'application/vnd.oci.image.layer.v1.tar+gzip+encrypted'
    );
    const report = await scanImage(target, { registry });
    expect(report).toMatchObject({
      status: 'error',
      error: { code: 'unsupported-media-type' },
    });
    expect(report.error?.message).toMatch(/cannot be judged without it/);
  });

  it('ends as error when an index holds no runnable image', async () => {
    // Prepare: an index of one attestation only
    const image = await buildImage({
      attestations: true,
      images: [{ platform: arm64, layers: [] }],
    });
    const index = JSON.parse(new TextDecoder().decode(image.top.bytes));
    index.manifests = index.manifests.slice(1);
    const bytes = new TextEncoder().encode(JSON.stringify(index));
    const top: Blob = { digest: sha256(bytes), bytes, mediaType: OCI.index };
    image.blobs.set(top.digest, top);
    // Act
    const report = await scanImage(target, {
      registry: new MemoryRegistry().add({ top, blobs: image.blobs }, 'v1'),
    });
    // Assess
    expect(report.status).toBe('error');
    expect(report.error?.message).toMatch(/no runnable image/);
  });

  it('refuses a schema 1 manifest inside an index', async () => {
    const image = await buildImage({
      forceIndex: true,
      images: [{ platform: arm64, layers: [] }],
    });
    const index = JSON.parse(new TextDecoder().decode(image.top.bytes));
    index.manifests[0].mediaType =
      'application/vnd.docker.distribution.manifest.v1+prettyjws';
    const bytes = new TextEncoder().encode(JSON.stringify(index));
    const top: Blob = { digest: sha256(bytes), bytes, mediaType: OCI.index };
    image.blobs.set(top.digest, top);
    const report = await scanImage(target, {
      registry: new MemoryRegistry().add({ top, blobs: image.blobs }, 'v1'),
    });
    expect(report).toMatchObject({
      status: 'error',
      error: { code: 'unsupported-media-type' },
    });
    expect(report.error?.message).toMatch(/schema 1/);
  });

  it('stops the other platforms when one fails', async () => {
    // Prepare: two platforms; the first one's layer is corrupt
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'amd64' },
          layers: [{ files: [{ path: 'a', content: 'x' }] }],
        },
        {
          platform: arm64,
          layers: [{ files: [{ path: 'b', content: fixture('hello-arm64') }] }],
        },
      ],
    });
    const registry = new MemoryRegistry({ chunkSize: 64 }).add(image, 'v1');
    const amd64Layer = JSON.parse(
      new TextDecoder().decode(image.blobs.get(image.manifests[0]!)!.bytes)
    ).layers[0].digest;
    registry.corrupt.add(amd64Layer);
    // Act
    const report = await scanImage(target, { registry });
    // Assess: the error is the corrupt layer's, not an abort
    expect(report).toMatchObject({
      status: 'error',
      error: { code: 'digest-mismatch' },
    });
  });
});
