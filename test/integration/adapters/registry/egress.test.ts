/**
 * The egress guard with real servers on 127.0.0.1: a real Distribution
 * registry that is listed, a fake registry whose blob downloads redirect
 * to forbidden places, and a server that counts every connection it gets,
 * so "refused" is proven to mean "never connected".
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import {
  createServer as createTcpServer,
  type Server as TcpServer,
} from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  createEgressDispatcher,
  guardedRegistryFor,
} from '../../../../lib/adapters/registry/egress-dispatcher.js';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import { RegistryAllowlist } from '../../../../lib/engine/egress/allowlist.js';
import {
  EgressRefusedError,
  type ScannerError,
} from '../../../../lib/engine/errors.js';
import type { Descriptor } from '../../../../lib/engine/manifest/manifest.js';
import { scanImage } from '../../../../lib/usecases/scan-image.js';
import { readFixture } from '../../../support/binary-fixtures.js';
import { type Blob, buildImage, OCI } from '../../../support/oci-image.js';
import { pushImage } from '../../../support/push.js';
import {
  type RegistryProcess,
  startRegistry,
} from '../../../support/registry.js';

type Built = Awaited<ReturnType<typeof buildImage>>;

/** Short, so an implementation that tried to connect would time out, not refuse. */
const CONNECT_TIMEOUT_MS = 250;
const RETRY = { attempts: 3, initialDelayMs: 1, maxDelayMs: 5 };

let real: RegistryProcess;
let fake: Server;
let fakeHost: string;
let counter: TcpServer;
let counterPort: number;
let connectionsToCounter = 0;
let image: Built;
let layer: Descriptor;
/** Requests the fake registry received, as `METHOD path`. */
const seen: string[] = [];
/** Where the fake registry sends each repository's layer downloads. */
const redirects = new Map<string, string>();

async function collect(stream: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const chunks: Uint8Array[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function failure(promise: Promise<unknown>): Promise<ScannerError> {
  try {
    await promise;
  } catch (error) {
    return error as ScannerError;
  }
  throw new Error('expected a failure');
}

function descriptorOf(blob: Blob): Descriptor {
  return {
    mediaType: blob.mediaType,
    digest: blob.digest,
    size: blob.bytes.length,
  };
}

/** A registry that serves `image` for every repository, layers by redirect. */
function fakeRegistry(request: IncomingMessage, response: ServerResponse) {
  const path = request.url ?? '/';
  seen.push(`${request.method} ${path}`);
  const manifest = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
  const blob = /^\/v2\/(.+)\/blobs\/(sha256:[a-f0-9]{64})$/.exec(path);
  if (path === '/v2/') {
    response.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  } else if (manifest) {
    const document =
      manifest[2] === 'v1' ? image.top : image.blobs.get(manifest[2] ?? '');
    if (document) {
      response
        .writeHead(200, { 'content-type': document.mediaType })
        .end(document.bytes);
    } else {
      response.writeHead(404).end();
    }
  } else if (blob?.[1] && blob[2]) {
    const found = image.blobs.get(blob[2]);
    const target = redirects.get(blob[1]);
    if (found && found.mediaType !== OCI.layerGzip) {
      response.writeHead(200).end(found.bytes);
    } else if (target) {
      response.writeHead(307, { location: target }).end();
    } else {
      response.writeHead(404).end();
    }
  } else {
    response.writeHead(404).end();
  }
}

function listen(server: Server | TcpServer): Promise<number> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      resolve(typeof address === 'object' && address ? address.port : 0);
    });
  });
}

function close(server: Server | TcpServer | undefined): Promise<void> {
  return new Promise((resolve) =>
    server ? server.close(() => resolve()) : resolve()
  );
}

beforeAll(async () => {
  real = await startRegistry();
  image = await buildImage({
    images: [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        entrypoint: ['/app/server'],
        layers: [
          {
            files: [
              {
                path: 'app/server',
                content: readFixture('hello-amd64-static'),
              },
            ],
          },
        ],
      },
    ],
  });
  const found = [...image.blobs.values()].find(
    (blob) => blob.mediaType === OCI.layerGzip
  );
  if (!found) throw new Error('the test image has no gzip layer');
  layer = descriptorOf(found);
  await pushImage(image, {
    baseUrl: real.baseUrl,
    repository: 'team/app',
    tag: 'v1',
  });
  fake = createServer(fakeRegistry);
  fakeHost = `127.0.0.1:${await listen(fake)}`;
  counter = createTcpServer((socket) => {
    connectionsToCounter++;
    socket.destroy();
  });
  counterPort = await listen(counter);
});

afterAll(async () => {
  await close(fake);
  await close(counter);
  await real?.stop();
});

function allowlist(): RegistryAllowlist {
  return RegistryAllowlist.from([real.host, fakeHost]);
}

function registryFor(): (host: string) => HttpRegistry {
  return guardedRegistryFor(allowlist(), {
    connectTimeoutMs: CONNECT_TIMEOUT_MS,
    retry: RETRY,
  });
}

describe('guardedRegistryFor with the real registry', () => {
  it('scans an image in a listed registry', async () => {
    // Prepare
    const registry = registryFor()(real.host);

    // Act
    const report = await scanImage(
      {
        reference: `${real.host}/team/app:v1`,
        repository: 'team/app',
        tagOrDigest: 'v1',
      },
      { registry }
    );

    // Assess
    expect(report.error).toBeUndefined();
    expect(report.status).toBe('pass');
    expect(report.platforms.map((p) => p.platform)).toEqual(['linux/amd64']);
  });

  it('refuses localhost:<port> when only 127.0.0.1:<port> is listed', async () => {
    // Prepare
    const port = real.host.split(':')[1];
    const unguarded = new HttpRegistry({
      registry: `localhost:${port}`,
      dispatcher: createEgressDispatcher(allowlist(), {
        connectTimeoutMs: CONNECT_TIMEOUT_MS,
      }),
      retry: RETRY,
    });

    // Act
    const byName = (() => {
      try {
        registryFor()(`localhost:${port}`);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    const byConnection = await failure(unguarded.getManifest('team/app', 'v1'));

    // Assess: the name is refused up front, and its addresses at connect time.
    expect(byName).toBeInstanceOf(EgressRefusedError);
    expect((byName as Error).message).toMatch(/loopback name/);
    expect(byConnection).toBeInstanceOf(EgressRefusedError);
    expect(byConnection.message).toMatch(
      new RegExp(
        `localhost:${port} \\(resolved to .*\\): .* is a loopback address`
      )
    );
  });

  it('follows a redirect from one listed registry to another', async () => {
    // Prepare
    redirects.set(
      'redirect/listed',
      `${real.baseUrl}/v2/team/app/blobs/${layer.digest}`
    );
    const registry = registryFor()(fakeHost);

    // Act
    const bytes = await collect(registry.getBlob('redirect/listed', layer));

    // Assess
    expect(bytes.length).toBe(layer.size);
    expect(
      bytes.equals(image.blobs.get(layer.digest)?.bytes ?? Buffer.alloc(0))
    ).toBe(true);
  });
});

describe('redirects to forbidden places', () => {
  it.each([
    [
      'instance metadata',
      () => 'http://169.254.169.254/latest/meta-data/',
      /169\.254\.169\.254:80: 169\.254\.169\.254 is a link-local address, which is never contacted/,
    ],
    [
      'a private address',
      () => 'http://10.0.0.1/x',
      /10\.0\.0\.1:80: 10\.0\.0\.1 is a private address and 10\.0\.0\.1:80 is not listed exactly/,
    ],
    [
      'an unlisted loopback port',
      () => `http://127.0.0.1:${counterPort}/`,
      /127\.0\.0\.1 is a loopback address and 127\.0\.0\.1:\d+ is not listed exactly/,
    ],
    [
      'a name that resolves to loopback',
      () => `http://localhost:${counterPort}/`,
      /localhost:\d+ \(resolved to .*\): .* is a loopback address/,
    ],
    [
      'a listed host with credentials in the url',
      () => `http://user:hunter2@${fakeHost}/v2/`,
      /refusing a redirect to a url with credentials in it \(http:\/\/127\.0\.0\.1:\d+\/v2\/\)/,
    ],
  ])('refuses %s before connecting', async (name, location, message) => {
    // Prepare
    const repository = `redirect/${name.replaceAll(' ', '-')}`;
    redirects.set(repository, location());
    const registry = registryFor()(fakeHost);
    const before = seen.length;

    // Act
    const error = await failure(collect(registry.getBlob(repository, layer)));

    // Assess: refused, not timed out or retried, nothing reached.
    expect(error).toBeInstanceOf(EgressRefusedError);
    expect(error.code).toBe('forbidden');
    expect(error.message).toMatch(message);
    expect(error.message).not.toContain('hunter2');
    expect(seen.slice(before)).toEqual([
      `GET /v2/${repository}/blobs/${layer.digest}`,
    ]);
    expect(connectionsToCounter).toBe(0);
  });

  it('reports the refusal as the scan error', async () => {
    // Prepare
    redirects.set('redirect/scan', 'http://169.254.169.254/latest/meta-data/');
    const registry = registryFor()(fakeHost);

    // Act
    const report = await scanImage(
      {
        reference: `${fakeHost}/redirect/scan:v1`,
        repository: 'redirect/scan',
        tagOrDigest: 'v1',
      },
      { registry }
    );

    // Assess
    expect(report.status).toBe('error');
    expect(report.error?.code).toBe('forbidden');
    expect(report.error?.message).toMatch(
      /refusing to connect to 169\.254\.169\.254:80: .*link-local/
    );
    expect(
      seen.filter((line) =>
        line.includes(`redirect/scan/blobs/${layer.digest}`)
      )
    ).toHaveLength(1);
  });
});
