import { describe, expect, it } from 'vitest';
import { MemoryLayerCache } from '../../../lib/adapters/local/memory-layer-cache.js';
import { parsePlatformList } from '../../../lib/engine/platform/platform.js';
import {
  type ScanImageOptions,
  scanImage,
} from '../../../lib/usecases/scan-image.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import { MemoryRegistry } from '../../support/memory-registry.js';
import {
  buildImage,
  type ImageSpec,
  type LayoutSpec,
} from '../../support/oci-image.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };

/** The glibc loaders the dynamic fixtures ask for, so only the file under test can be wrong. */
const loaders = [
  {
    path: 'lib64/ld-linux-x86-64.so.2',
    content: fixture('hello-amd64-static'),
  },
  { path: 'lib/ld-linux-aarch64.so.1', content: fixture('addon-arm64.so') },
];

function app(
  platform: typeof amd64,
  binary: string,
  extra: Partial<ImageSpec> = {}
): ImageSpec {
  const own = platform.architecture === 'amd64' ? loaders[0]! : loaders[1]!;
  return {
    platform,
    entrypoint: ['/app/server'],
    layers: [
      { files: [own, { path: 'app/server', content: fixture(binary) }] },
    ],
    ...extra,
  };
}

async function scan(
  spec: LayoutSpec,
  options: ScanImageOptions = {},
  registry = new MemoryRegistry()
) {
  registry.add(await buildImage(spec), 'v1');
  const report = await scanImage(
    { reference: 'mem/app:v1', repository: 'app', tagOrDigest: 'v1' },
    { registry },
    options
  );
  return { report, registry };
}

describe('scanImage', () => {
  it('passes a clean multi-arch image with attestations, listing them as skipped', async () => {
    // Act
    const { report } = await scan(
      {
        attestations: true,
        images: [app(amd64, 'hello-amd64-static'), app(arm64, 'hello-arm64')],
      },
      { expectedPlatforms: parsePlatformList('linux/amd64,linux/arm64') }
    );
    // Assess
    expect(report.status).toBe('pass');
    expect(report.findings).toEqual([]);
    expect(report.platforms.map((p) => p.platform)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(report.skipped.map((s) => s.reason)).toEqual([
      'attestation manifest',
      'attestation manifest',
    ]);
    expect(report.digest).toMatch(/^sha256:/);
  });

  it('fails an arm64 image whose entrypoint is an x86-64 binary, marked as entrypoint', async () => {
    const { report } = await scan({
      images: [
        app(amd64, 'hello-amd64-static'),
        app(arm64, 'hello-amd64-static'),
      ],
    });
    expect(report.status).toBe('fail');
    expect(report.findings).toMatchObject([
      {
        kind: 'binary-arch-mismatch',
        platform: 'linux/arm64',
        path: '/app/server',
        actual: 'linux/amd64',
        entrypoint: true,
        severity: 'error',
      },
    ]);
  });

  it('judges a symlinked entrypoint by the file it resolves to', async () => {
    const { report } = await scan({
      images: [
        {
          platform: arm64,
          entrypoint: ['server'],
          env: ['PATH=/usr/local/bin'],
          layers: [
            {
              files: [
                {
                  path: 'opt/real/server',
                  content: fixture('hello-amd64-static'),
                },
              ],
            },
            {
              files: [
                {
                  path: 'usr/local/bin/server',
                  type: 'symlink',
                  link: '../../../opt/real/server',
                },
              ],
            },
          ],
        },
      ],
    });
    expect(report.platforms[0]?.entrypoint.resolvedPath).toBe(
      '/opt/real/server'
    );
    expect(report.findings).toMatchObject([
      { path: '/opt/real/server', entrypoint: true },
    ]);
  });

  it('does not judge a wrong binary that a later layer whited out or hid behind an opaque dir', async () => {
    const { report } = await scan({
      images: [
        {
          platform: arm64,
          layers: [
            {
              files: [
                loaders[1]!,
                { path: 'app/old', content: fixture('hello-amd64') },
                { path: 'opt/x/tool', content: fixture('hello-amd64') },
              ],
            },
            {
              compression: 'zstd',
              files: [
                { path: 'app/.wh.old', content: '' },
                { path: 'opt/x/.wh..wh..opq', content: '' },
                { path: 'opt/x/tool', content: fixture('hello-arm64') },
              ],
            },
          ],
        },
      ],
    });
    expect(report.findings).toEqual([]);
    expect(report.platforms[0]?.binaries.byArchitecture).toEqual({
      'linux/arm64': 2,
    });
  });

  it('reports a config that disagrees with its index entry', async () => {
    const { report } = await scan({
      images: [
        app(amd64, 'hello-amd64-static'),
        app(arm64, 'hello-arm64', { configPlatform: amd64 }),
      ],
    });
    expect(report.findings).toMatchObject([
      {
        kind: 'config-mismatch',
        platform: 'linux/arm64',
        actual: 'linux/amd64',
      },
    ]);
  });

  it('reports missing platforms only against an explicit expectation', async () => {
    const spec = { images: [app(amd64, 'hello-amd64-static')] };
    const implicit = await scan(spec);
    const explicit = await scan(spec, {
      expectedPlatforms: parsePlatformList('linux/amd64,linux/arm64'),
    });
    expect(implicit.report.status).toBe('pass');
    expect(explicit.report.findings.map((f) => [f.kind, f.platform])).toEqual([
      ['missing-platform', 'linux/arm64'],
    ]);
  });

  it('records a blob that does not match its digest as error, never pass', async () => {
    // Prepare
    const image = await buildImage({ images: [app(arm64, 'hello-arm64')] });
    const registry = new MemoryRegistry().add(image, 'v1');
    const layer = [...image.blobs.values()].find((b) =>
      b.mediaType.includes('layer')
    )!;
    registry.corrupt.add(layer.digest);
    // Act
    const report = await scanImage(
      { reference: 'r', repository: 'app', tagOrDigest: 'v1' },
      { registry }
    );
    // Assess
    expect(report.status).toBe('error');
    expect(report.error).toMatchObject({ code: 'digest-mismatch' });
    expect(report.error?.message).toContain(layer.digest);
  });

  it('records an unknown tag as error with the registry code', async () => {
    const report = await scanImage(
      { reference: 'r', repository: 'app', tagOrDigest: 'nope' },
      { registry: new MemoryRegistry() }
    );
    expect(report).toMatchObject({
      status: 'error',
      error: { code: 'not-found' },
    });
  });

  it('reads each layer once per scan and never again with a warm cache', async () => {
    // Prepare: both platforms share a base layer
    const base = { files: [{ path: 'etc/os-release', content: 'ID=test' }] };
    const image = await buildImage({
      images: [
        {
          platform: amd64,
          layers: [
            base,
            { files: [{ path: 'bin/x', content: fixture('hello-amd64') }] },
          ],
        },
        {
          platform: arm64,
          layers: [
            base,
            { files: [{ path: 'bin/x', content: fixture('hello-arm64') }] },
          ],
        },
      ],
    });
    const registry = new MemoryRegistry().add(image, 'v1');
    const cache = new MemoryLayerCache();
    const target = { reference: 'r', repository: 'app', tagOrDigest: 'v1' };
    // Act
    const first = await scanImage(target, { registry, cache });
    const second = await scanImage(target, { registry, cache });
    // Assess
    const layerDigests = image.manifests.flatMap((m) =>
      JSON.parse(
        new TextDecoder().decode(image.blobs.get(m)!.bytes)
      ).layers.map((l: { digest: string }) => l.digest)
    );
    expect(
      layerDigests.map((d: string) => registry.blobRequests.get(d))
    ).toEqual([1, 1, 1, 1]);
    expect(cache.size).toBe(3);
    expect(
      second.platforms.flatMap((p) => p.layers.map((l) => l.fromCache))
    ).toEqual([true, true, true, true]);
    expect(second.findings).toEqual(first.findings);
    expect(second.stats.bytesInflated).toBe(0);
  });
});
