/**
 * The whole scan against a real CNCF Distribution registry on 127.0.0.1,
 * holding images these tests build and push themselves: one image per
 * finding kind, clean multi-arch with attestations, zstd and plain layers,
 * whiteouts, symlinks, hard links, a Docker manifest list, registry faults
 * the scan survives, and a corrupt blob that must end as `error`.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRegistry } from '../../../lib/adapters/registry/create-registry.js';
import { parsePlatformList } from '../../../lib/engine/platform/platform.js';
import type { Registry } from '../../../lib/ports/registry.js';
import { scanImage } from '../../../lib/usecases/scan-image.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import { type FaultProxy, startFaultProxy } from '../../support/fault-proxy.js';
import {
  buildImage,
  type FileSpec,
  type ImageSpec,
  type LayoutSpec,
} from '../../support/oci-image.js';
import { pushBlob, pushImage, pushManifest } from '../../support/push.js';
import { type RegistryProcess, startRegistry } from '../../support/registry.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };
const loader = {
  amd64: {
    path: 'lib64/ld-linux-x86-64.so.2',
    content: fixture('hello-amd64-static'),
  },
  arm64: {
    path: 'lib/ld-linux-aarch64.so.1',
    content: fixture('addon-arm64.so'),
  },
};

function image(
  platform: typeof amd64,
  files: FileSpec[],
  extra: Partial<ImageSpec> = {}
): ImageSpec {
  const own = platform.architecture === 'amd64' ? loader.amd64 : loader.arm64;
  return {
    platform,
    entrypoint: ['/app/server'],
    layers: [{ files: [own, ...files] }],
    ...extra,
  };
}

let registry: RegistryProcess;
let client: Registry;
let pushed = 0;

async function pushAndScan(
  spec: LayoutSpec,
  expected?: string,
  via: Registry = client
) {
  const repository = `test/image${pushed++}`;
  await pushImage(await buildImage(spec), {
    baseUrl: registry.baseUrl,
    repository,
    tag: 'v1',
  });
  return scanImage(
    {
      reference: `${registry.host}/${repository}:v1`,
      repository,
      tagOrDigest: 'v1',
    },
    { registry: via },
    expected ? { expectedPlatforms: parsePlatformList(expected) } : {}
  );
}

beforeAll(async () => {
  registry = await startRegistry();
  client = createRegistry(registry.host, {
    retry: { initialDelayMs: 1, maxDelayMs: 5 },
  });
});

afterAll(async () => {
  await registry?.stop();
});

describe('scanning images in a real registry', () => {
  it('passes a clean multi-arch amd64+arm64 image with buildx attestations', async () => {
    // Act
    const report = await pushAndScan(
      {
        attestations: true,
        images: [
          image(amd64, [
            { path: 'app/server', content: fixture('hello-amd64') },
          ]),
          image(arm64, [
            { path: 'app/server', content: fixture('hello-arm64') },
          ]),
        ],
      },
      'linux/amd64,linux/arm64'
    );
    // Assess
    expect(report.status).toBe('pass');
    expect(report.findings).toEqual([]);
    expect(report.skipped).toHaveLength(2);
    expect(
      report.platforms.map((p) => [
        p.platform,
        p.binaries.total,
        p.entrypoint.resolvedPath,
      ])
    ).toEqual([
      ['linux/amd64', 2, '/app/server'],
      ['linux/arm64', 2, '/app/server'],
    ]);
  });

  it.each([
    [
      'missing-platform',
      {
        images: [
          image(amd64, [
            { path: 'app/server', content: fixture('hello-amd64') },
          ]),
        ],
        forceIndex: true,
      },
      'linux/amd64,linux/arm64',
    ],
    [
      'config-mismatch',
      {
        images: [
          image(
            arm64,
            [{ path: 'app/server', content: fixture('hello-arm64') }],
            { configPlatform: amd64 }
          ),
        ],
        forceIndex: true,
      },
      undefined,
    ],
    [
      'binary-arch-mismatch',
      {
        images: [
          image(arm64, [
            { path: 'app/server', content: fixture('hello-amd64-static') },
          ]),
        ],
      },
      undefined,
    ],
    [
      'foreign-os-binary',
      {
        images: [
          image(amd64, [
            { path: 'app/server', content: fixture('hello-darwin-universal') },
          ]),
        ],
      },
      undefined,
    ],
    [
      'float-abi-mismatch',
      {
        images: [
          {
            platform: { os: 'linux', architecture: 'arm', variant: 'v7' },
            entrypoint: ['/app/server'],
            layers: [
              {
                files: [
                  { path: 'lib/ld-linux.so.3', content: 'present' },
                  { path: 'app/server', content: fixture('hello-armel-v5') },
                ],
              },
            ],
          },
        ],
      },
      undefined,
    ],
    [
      'libc-mismatch',
      {
        images: [
          {
            platform: amd64,
            entrypoint: ['/app/server'],
            layers: [
              {
                files: [
                  { path: 'app/server', content: fixture('hello-amd64') },
                ],
              },
            ],
          },
        ],
      },
      undefined,
    ],
    [
      'isa-level-mismatch',
      {
        images: [
          image(amd64, [
            { path: 'app/server', content: fixture('hello-amd64-v3') },
          ]),
        ],
      },
      undefined,
    ],
  ] as const)('reports %s', async (kind, spec, expected) => {
    // Act
    const report = await pushAndScan(spec as unknown as LayoutSpec, expected);
    // Assess
    expect(report.findings.map((f) => f.kind)).toEqual([kind]);
    expect(report.status).toBe(kind === 'isa-level-mismatch' ? 'pass' : 'fail');
  });

  it('reads zstd and uncompressed layers, and a whiteout and an opaque dir hide wrong binaries', async () => {
    // Act
    const report = await pushAndScan({
      images: [
        {
          platform: arm64,
          layers: [
            {
              compression: 'none',
              files: [
                loader.arm64,
                { path: 'app/old', content: fixture('hello-amd64') },
                { path: 'opt/x/tool', content: fixture('hello-s390x') },
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
    // Assess
    expect(report.findings).toEqual([]);
    expect(report.platforms[0]?.layers.map((l) => l.mediaType)).toEqual([
      'application/vnd.oci.image.layer.v1.tar',
      'application/vnd.oci.image.layer.v1.tar+zstd',
    ]);
  });

  it('judges a symlinked entrypoint by its target and reports a hard-link group once', async () => {
    // Act
    const report = await pushAndScan({
      images: [
        image(
          arm64,
          [
            { path: 'opt/bin/real', content: fixture('hello-amd64-static') },
            { path: 'opt/bin/alias', type: 'hardlink', link: 'opt/bin/real' },
            {
              path: 'usr/local/bin/app',
              type: 'symlink',
              link: '/opt/bin/real',
            },
          ],
          { entrypoint: ['app'] }
        ),
      ],
    });
    // Assess
    expect(report.findings.map((f) => [f.kind, f.path, f.entrypoint])).toEqual([
      ['binary-arch-mismatch', '/opt/bin/real', true],
    ]);
  });

  it('reads a Docker schema 2 manifest list', async () => {
    const report = await pushAndScan({
      docker: true,
      images: [
        image(amd64, [{ path: 'app/server', content: fixture('hello-amd64') }]),
        image(arm64, [
          { path: 'app/server', content: fixture('hello-amd64-static') },
        ]),
      ],
    });
    expect(report.mediaType).toBe(
      'application/vnd.docker.distribution.manifest.list.v2+json'
    );
    expect(report.findings.map((f) => [f.kind, f.platform])).toEqual([
      ['binary-arch-mismatch', 'linux/arm64'],
    ]);
  });

  it('records a blob whose bytes do not match its digest as error', async () => {
    // Prepare: push a manifest naming a layer digest whose stored bytes differ
    const built = await buildImage({
      images: [
        image(amd64, [{ path: 'app/server', content: fixture('hello-amd64') }]),
      ],
    });
    const repository = 'test/corrupt';
    const options = { baseUrl: registry.baseUrl, repository, tag: 'v1' };
    await pushImage(built, options);
    const manifest = JSON.parse(new TextDecoder().decode(built.top.bytes));
    const other = await buildImage({
      images: [image(amd64, [{ path: 'app/other', content: 'x' }])],
    });
    const swapped = [...other.blobs.values()].find((b) =>
      b.mediaType.includes('layer')
    )!;
    await pushBlob(swapped, options);
    manifest.layers[0].digest = swapped.digest;
    const bytes = new TextEncoder().encode(JSON.stringify(manifest));
    await pushManifest(
      { digest: '', mediaType: built.top.mediaType, bytes },
      'v1',
      options
    );
    // Act
    const report = await scanImage(
      { reference: 'x', repository, tagOrDigest: 'v1' },
      { registry: client }
    );
    // Assess: the size no longer matches the descriptor
    expect(report.status).toBe('error');
    expect(['size-mismatch', 'digest-mismatch']).toContain(report.error?.code);
  });
});

describe('registry faults', () => {
  let proxy: FaultProxy;

  beforeAll(async () => {
    proxy = await startFaultProxy(registry.baseUrl);
  });

  afterAll(async () => {
    await proxy?.stop();
  });

  it('survives 429 with Retry-After, a 503 and a connection cut mid-blob', async () => {
    // Prepare
    const viaProxy = createRegistry(proxy.host, {
      retry: { initialDelayMs: 1, maxDelayMs: 5, maxRetryAfterMs: 1500 },
    });
    const big = new Uint8Array(fixture('hello-amd64-static'));
    proxy.inject(
      /\/manifests\//,
      { kind: 'status', status: 429, headers: { 'retry-after': '1' } },
      1
    );
    proxy.inject(/\/manifests\/sha256/, { kind: 'status', status: 503 }, 1);
    proxy.inject(/\/blobs\//, { kind: 'cut', afterBytes: 100_000 }, 1);
    const started = Date.now();
    // Act
    const report = await pushAndScan(
      {
        images: [
          {
            platform: arm64,
            entrypoint: ['/app/server'],
            layers: [
              {
                compression: 'none',
                files: [{ path: 'app/server', content: big }],
              },
            ],
          },
        ],
      },
      undefined,
      viaProxy
    );
    // Assess
    expect(report.status).toBe('fail');
    expect(report.findings.map((f) => f.kind)).toEqual([
      'binary-arch-mismatch',
    ]);
    expect(Date.now() - started).toBeGreaterThanOrEqual(1000);
    expect(
      proxy.requests
        .filter((r) => r.fault)
        .map((r) => r.fault)
        .sort()
    ).toEqual(['cut', 'status', 'status']);
  });
});
