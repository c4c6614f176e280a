import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import { sleep } from '../../../../lib/adapters/registry/retry.js';
import { StaticAuth } from '../../../../lib/adapters/registry/static-auth.js';
import {
  LimitExceededError,
  RegistryError,
  ScannerError,
} from '../../../../lib/engine/errors.js';
import type { Descriptor } from '../../../../lib/engine/manifest/manifest.js';
import { MAX_MANIFEST_BYTES } from '../../../../lib/engine/manifest/manifest.js';
import {
  type BlobOrigin,
  type FaultProxy,
  startBlobOrigin,
  startFaultProxy,
} from '../../../support/fault-proxy.js';
import { type Blob, buildImage, sha256 } from '../../../support/oci-image.js';
import { pushImage } from '../../../support/push.js';
import {
  type RegistryProcess,
  startRegistry,
} from '../../../support/registry.js';

const REPO = 'team/app';
const BLOB_PATH = /\/blobs\/sha256:/;
const MANIFEST_PATH = /\/manifests\//;

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

describe('HttpRegistry through a fault-injecting proxy', () => {
  let server: RegistryProcess;
  let proxy: FaultProxy;
  let top: Blob;
  let layer: Blob;
  let layerDescriptor: Descriptor;
  let delays: number[];

  /** A client with millisecond backoff that records every wait. */
  function client(
    extra: Partial<ConstructorParameters<typeof HttpRegistry>[0]> = {}
  ) {
    return new HttpRegistry({
      registry: proxy.host,
      retry: {
        initialDelayMs: 5,
        maxDelayMs: 20,
        sleep: (ms, signal) => {
          delays.push(ms);
          return sleep(ms, signal);
        },
      },
      ...extra,
    });
  }

  beforeAll(async () => {
    server = await startRegistry();
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'amd64' },
          layers: [
            {
              files: [{ path: 'blob', content: randomBytes(4_000_000) }],
              compression: 'none',
            },
          ],
        },
      ],
    });
    await pushImage(image, {
      baseUrl: server.baseUrl,
      repository: REPO,
      tag: 'v1',
    });
    top = image.top;
    layer = [...image.blobs.values()].find((b) => b.bytes.length > 3_000_000)!;
    layerDescriptor = {
      mediaType: layer.mediaType,
      digest: layer.digest,
      size: layer.bytes.length,
    };
    proxy = await startFaultProxy(server.baseUrl);
  });

  afterAll(async () => {
    await proxy?.stop();
    await server?.stop();
  });

  beforeEach(() => {
    proxy.reset();
    delays = [];
  });

  it('waits as long as Retry-After says after a 429, then succeeds', async () => {
    // Prepare
    proxy.inject(MANIFEST_PATH, {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '1', 'content-type': 'application/json' },
      body: '{"errors":[{"code":"TOOMANYREQUESTS","message":"slow down"}]}',
    });
    const started = Date.now();

    // Act
    const response = await client().getManifest(REPO, 'v1');

    // Assess
    expect(Date.now() - started).toBeGreaterThanOrEqual(950);
    expect(delays).toEqual([1000]);
    expect(sha256(response.bytes)).toBe(top.digest);
    expect(
      proxy.requests.filter((r) => MANIFEST_PATH.test(r.path))
    ).toHaveLength(2);
  });

  it('caps a long Retry-After at maxRetryAfterMs', async () => {
    // Prepare
    proxy.inject(MANIFEST_PATH, {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '3600' },
    });

    // Act
    await client({
      retry: {
        maxRetryAfterMs: 30,
        sleep: (ms) => {
          delays.push(ms);
          return sleep(ms);
        },
      },
    }).getManifest(REPO, 'v1');

    // Assess
    expect(delays).toEqual([30]);
  });

  it('retries a 503 and returns the manifest', async () => {
    // Prepare
    proxy.inject(MANIFEST_PATH, { kind: 'status', status: 503 });

    // Act
    const response = await client().getManifest(REPO, 'v1');

    // Assess
    expect(sha256(response.bytes)).toBe(top.digest);
    expect(delays).toHaveLength(1);
  });

  it('gives up on a persistent HTML 502 with a retryable error and no HTML in it', async () => {
    // Prepare
    proxy.inject(
      MANIFEST_PATH,
      {
        kind: 'status',
        status: 502,
        headers: { 'content-type': 'text/html' },
        body: '<html><body><h1>502 Bad Gateway</h1></body></html>',
      },
      3
    );

    // Act
    const error = await client({ retry: { attempts: 3, initialDelayMs: 1 } })
      .getManifest(REPO, 'v1')
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    const registryError = error as RegistryError;
    expect(registryError.status).toBe(502);
    expect(registryError.retryable).toBe(true);
    expect(registryError.diagnostics).toEqual([]);
    expect(registryError.message).not.toContain('<');
    expect(proxy.requests).toHaveLength(3);
  });

  it('resumes a cut blob download with a Range request', async () => {
    // Prepare
    proxy.inject(BLOB_PATH, { kind: 'cut', afterBytes: 1_000_000 });

    // Act
    const bytes = await collect(client().getBlob(REPO, layerDescriptor));

    // Assess
    expect(bytes.length).toBe(layer.bytes.length);
    expect(sha256(bytes)).toBe(layer.digest);
    const [first, second] = proxy.requests;
    expect(first?.fault).toBe('cut');
    expect(first?.headers.range).toBeUndefined();
    const resumedAt = Number(
      /^bytes=(\d+)-$/.exec(second?.headers.range ?? '')?.[1]
    );
    expect(resumedAt).toBeGreaterThan(0);
    expect(resumedAt).toBeLessThanOrEqual(1_000_000);
  });

  it('restarts and skips delivered bytes when the server ignores Range', async () => {
    // Prepare
    proxy.inject(BLOB_PATH, { kind: 'cut', afterBytes: 1_500_000 });
    proxy.inject(BLOB_PATH, { kind: 'ignore-range' });
    let progress = 0;

    // Act
    const bytes = await collect(
      client().getBlob(REPO, layerDescriptor, {
        onProgress: (n) => {
          progress = n;
        },
      })
    );

    // Assess
    expect(proxy.requests.map((r) => r.fault)).toEqual(['cut', 'ignore-range']);
    expect(proxy.requests[1]?.headers.range).toMatch(/^bytes=\d+-$/);
    expect(bytes.length).toBe(layer.bytes.length);
    expect(sha256(bytes)).toBe(layer.digest);
    expect(progress).toBe(layer.bytes.length);
  });

  it('keeps resuming through a 503 on the resume request', async () => {
    // Prepare
    proxy.inject(BLOB_PATH, { kind: 'cut', afterBytes: 500_000 });
    proxy.inject(BLOB_PATH, { kind: 'status', status: 503 });

    // Act
    const bytes = await collect(client().getBlob(REPO, layerDescriptor));

    // Assess
    expect(sha256(bytes)).toBe(layer.digest);
    expect(proxy.requests.map((r) => r.fault)).toEqual([
      'cut',
      'status',
      undefined,
    ]);
    expect(proxy.requests[2]?.headers.range).toBe(
      proxy.requests[1]?.headers.range
    );
  });

  it('fails after the resume budget when every try is cut', async () => {
    // Prepare
    proxy.inject(BLOB_PATH, { kind: 'cut', afterBytes: 100_000 }, 10);

    // Act
    const error = await collect(
      client({ retry: { attempts: 3, initialDelayMs: 1 } }).getBlob(
        REPO,
        layerDescriptor
      )
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).retryable).toBe(true);
    expect(proxy.requests).toHaveLength(3);
  });

  describe('blob redirects', () => {
    let origin: BlobOrigin;

    beforeAll(async () => {
      origin = await startBlobOrigin(layer.bytes);
    });

    afterAll(async () => {
      await origin?.stop();
    });

    it('follows a redirect to another origin without sending Authorization there', async () => {
      // Prepare
      proxy.inject(BLOB_PATH, {
        kind: 'redirect',
        location: `${origin.baseUrl}/bucket/${layer.digest}?X-Amz-Signature=secret`,
      });
      const auth = new StaticAuth({
        [proxy.host]: { kind: 'header', value: 'Basic c2VjcmV0OnNlY3JldA==' },
      });

      // Act
      const bytes = await collect(
        client({ auth }).getBlob(REPO, layerDescriptor)
      );

      // Assess
      expect(sha256(bytes)).toBe(layer.digest);
      expect(proxy.requests[0]?.headers.authorization).toBe(
        'Basic c2VjcmV0OnNlY3JldA=='
      );
      expect(origin.authorizations).toEqual([undefined]);
    });

    it('stops after five redirects', async () => {
      // Prepare
      proxy.inject(
        BLOB_PATH,
        {
          kind: 'redirect',
          location: `${proxy.baseUrl}/v2/${REPO}/blobs/${layer.digest}`,
        },
        20
      );

      // Act
      const error = await collect(
        client().getBlob(REPO, layerDescriptor)
      ).catch((e: unknown) => e);

      // Assess
      expect(error).toBeInstanceOf(RegistryError);
      expect((error as RegistryError).message).toContain('too many redirects');
      expect(proxy.requests).toHaveLength(6);
    });
  });

  it.each([
    ['with', true],
    ['without', false],
  ])(
    'refuses a 100 MB manifest %s Content-Length without reading it',
    async (_, contentLength) => {
      // Prepare
      proxy.inject(MANIFEST_PATH, {
        kind: 'huge',
        bytes: 100 * 1024 * 1024,
        contentLength,
        mediaType: 'application/vnd.oci.image.manifest.v1+json',
      });

      // Act
      const error = await client()
        .getManifest(REPO, 'v1')
        .catch((e: unknown) => e);
      await sleep(100);

      // Assess
      expect(error).toBeInstanceOf(LimitExceededError);
      expect(proxy.requests).toHaveLength(1);
      // Kernel socket buffers absorb a few MiB; 100 MiB were on offer.
      expect(proxy.hugeBytesWritten).toBeLessThan(
        MAX_MANIFEST_BYTES + 16 * 1024 * 1024
      );
    }
  );

  it('stops waiting for Retry-After when the signal aborts', async () => {
    // Prepare
    proxy.inject(MANIFEST_PATH, {
      kind: 'status',
      status: 429,
      headers: { 'retry-after': '30' },
    });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const started = Date.now();

    // Act
    const error = await client({ retry: {} })
      .getManifest(REPO, 'v1', { signal: controller.signal })
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(ScannerError);
    expect((error as ScannerError).code).toBe('aborted');
    expect(Date.now() - started).toBeLessThan(5_000);
  });
});
