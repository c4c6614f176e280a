/**
 * Server-side request forgery through webhook payloads. A delivery that
 * authenticates correctly still only hints at what to scan: every host a
 * provider reads from the payload (Distribution `request.host` and
 * `target.url`, Harbor `resource_url`, Quay `docker_url`, GAR `tag` and
 * `digest`, ACR `request.host`) must pass the registry allowlist before
 * anything is queued. Here the real router, the real providers and a real
 * `RegistryAllowlist` answer each delivery; only the claim store and the
 * queue are in memory.
 *
 * The worker side follows: a host that is refused by name is refused again
 * when its name resolves to a loopback address. Redirects to forbidden
 * places are covered in test/integration/adapters/registry/egress.test.ts.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { MemoryClaimStore } from '../../../lib/adapters/local/memory-claim-store.js';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import {
  createEgressDispatcher,
  guardedRegistryFor,
} from '../../../lib/adapters/registry/egress-dispatcher.js';
import { HttpRegistry } from '../../../lib/adapters/registry/http-registry.js';
import { RegistryAllowlist } from '../../../lib/engine/egress/allowlist.js';
import { EgressRefusedError } from '../../../lib/engine/errors.js';
import { PROVIDERS } from '../../../lib/engine/webhooks/providers/index.js';
import type { ProviderName } from '../../../lib/engine/webhooks/types.js';
import { createRouter } from '../../../lib/http/router.js';
import type { HttpHandler } from '../../../lib/http/types.js';
import { webhookRoute } from '../../../lib/http/webhook-route.js';
import { processScanRequest } from '../../../lib/usecases/process-request.js';
import { MemoryScanQueue } from '../../support/fakes/memory-scan-queue.js';
import { TestClock } from '../../support/fakes/test-clock.js';

const TOKEN = 'webhook-url-token-0123456789abcdef';
const DIGEST = `sha256:${'a'.repeat(64)}`;
const OCI_MANIFEST = 'application/vnd.oci.image.manifest.v1+json';

/** Where a provider reads the registry host from its payload. */
interface HostField {
  readonly provider: ProviderName;
  readonly field: string;
  /** A push payload naming `host` in that field, and nowhere else. */
  readonly payload: (host: string) => unknown;
}

const HOST_FIELDS: readonly HostField[] = [
  {
    provider: 'distribution',
    field: 'request.host',
    payload: (host) => ({
      events: [
        {
          action: 'push',
          target: {
            mediaType: OCI_MANIFEST,
            digest: DIGEST,
            repository: 'team/app',
            tag: '1',
          },
          request: { host },
        },
      ],
    }),
  },
  {
    provider: 'distribution',
    field: 'target.url',
    payload: (host) => ({
      events: [
        {
          action: 'push',
          target: {
            mediaType: OCI_MANIFEST,
            digest: DIGEST,
            repository: 'team/app',
            tag: '1',
            url: `https://${host}/v2/team/app/manifests/${DIGEST}`,
          },
        },
      ],
    }),
  },
  {
    provider: 'harbor',
    field: 'resource_url',
    payload: (host) => ({
      type: 'PUSH_ARTIFACT',
      event_data: {
        resources: [
          { digest: DIGEST, tag: '1', resource_url: `${host}/team/app:1` },
        ],
        repository: { repo_full_name: 'team/app' },
      },
    }),
  },
  {
    provider: 'quay',
    field: 'docker_url',
    payload: (host) => ({
      repository: 'team/app',
      docker_url: `${host}/team/app`,
      updated_tags: ['1'],
    }),
  },
  {
    provider: 'gar',
    field: 'tag and digest',
    payload: (host) => ({
      message: {
        data: Buffer.from(
          JSON.stringify({
            action: 'INSERT',
            digest: `${host}/team/app@${DIGEST}`,
            tag: `${host}/team/app:1`,
          })
        ).toString('base64'),
        messageId: `m-${host}`,
      },
    }),
  },
  {
    provider: 'acr',
    field: 'request.host',
    payload: (host) => ({
      action: 'push',
      target: {
        mediaType: OCI_MANIFEST,
        digest: DIGEST,
        repository: 'team/app',
        tag: '1',
      },
      request: { host },
    }),
  },
];

const CREDENTIALS = 'user:pass@ghcr.io';

/** Hosts no delivery may get queued. */
const HOSTILE = [
  '169.254.169.254',
  '169.254.169.254:80',
  '[fd00:ec2::254]',
  '10.0.0.1',
  'localhost:5000',
  // The listed loopback address on another port.
  '127.0.0.1:6000',
  CREDENTIALS,
  // 169.254.169.254 spelled as one decimal number.
  '2852039166',
  'evil.example.com',
];

/**
 * The status a hostile host gets: 403 from the allowlist, unless the
 * provider's payload grammar refuses the value first (400): a host with
 * credentials is not `host[:port]` and no valid reference, and in a
 * reference (Quay, GAR) a first component without a dot or port is a
 * Docker Hub namespace, not a host.
 */
function expectedStatus({ provider }: HostField, host: string): 400 | 403 {
  if (host === CREDENTIALS) return 400;
  if (host === '2852039166' && (provider === 'quay' || provider === 'gar')) {
    return 400;
  }
  return 403;
}

interface Intake {
  readonly handle: HttpHandler;
  readonly queue: MemoryScanQueue;
}

/** The intake `archscan serve` and the receiver Lambda build, in memory. */
function intake(): Intake {
  const clock = new TestClock();
  const queue = new MemoryScanQueue(clock);
  const settings = Object.fromEntries(
    HOST_FIELDS.map(({ provider }) => [provider, { secret: TOKEN }])
  );
  const handle = createRouter([
    webhookRoute({
      providers: PROVIDERS,
      settings,
      policy: RegistryAllowlist.from(['ghcr.io', '127.0.0.1:5000']),
      claims: new MemoryClaimStore(clock),
      queue,
      clock,
      coalesceSeconds: 10,
      replayWindowSeconds: 3600,
    }),
  ]);
  return { handle, queue };
}

/** POSTs `payload` to the provider's route, authenticated by its URL token. */
async function deliver(
  { handle }: Intake,
  field: HostField,
  host: string
): Promise<{ status: number; message: string; queued?: number }> {
  const response = await handle({
    method: 'POST',
    path: `/webhooks/${field.provider}`,
    query: { token: TOKEN },
    headers: { 'content-type': 'application/json' },
    body: Buffer.from(JSON.stringify(field.payload(host))),
  });
  return { status: response.status, ...JSON.parse(response.body) };
}

const hostileCases = HOST_FIELDS.flatMap((field) =>
  HOSTILE.filter(
    // Covered on its own below: URL parsing drops the credentials.
    (host) => !(host === CREDENTIALS && field.field === 'target.url')
  ).map((host) => ({
    name: `${field.provider} ${field.field} = ${host}`,
    field,
    host,
  }))
);

describe('webhook intake refuses hosts off the allowlist', () => {
  it.each(hostileCases)(
    '$name: refused, nothing queued',
    async ({ field, host }) => {
      // Prepare
      const target = intake();
      // Act
      const answer = await deliver(target, field, host);
      // Assess
      const status = expectedStatus(field, host);
      expect(answer.status).toBe(status);
      if (status === 403) {
        expect(answer.message).toMatch(
          /is refused: it is|is not on the registry allowlist/
        );
      }
      expect(target.queue.messages).toEqual([]);
      // Credentials in a refused payload are never echoed back.
      expect(answer.message).not.toContain('pass@');
    }
  );

  it.each(
    HOST_FIELDS.flatMap((field) =>
      ['ghcr.io', '127.0.0.1:5000'].map((host) => ({
        name: `${field.provider} ${field.field} = ${host}`,
        field,
        host,
      }))
    )
  )('$name: allowed, queued once', async ({ field, host }) => {
    // Prepare
    const target = intake();
    // Act
    const answer = await deliver(target, field, host);
    // Assess
    expect(answer.status).toBe(202);
    expect(answer.queued).toBe(1);
    expect(target.queue.messages.map((m) => m.request.registry)).toEqual([
      host,
    ]);
  });

  it('drops the credentials of a Distribution target.url: only the allowed host is queued', async () => {
    // Prepare: URL parsing reads `https://user:pass@ghcr.io/...` as host
    // ghcr.io with credentials, which are not part of the host.
    const target = intake();
    const field = HOST_FIELDS.find((f) => f.field === 'target.url');
    if (!field) throw new TypeError('no target.url field');
    // Act
    const answer = await deliver(target, field, CREDENTIALS);
    // Assess: ghcr.io, without the credentials, is what the worker gets
    expect(answer.status).toBe(202);
    expect(target.queue.messages.map((m) => m.request.registry)).toEqual([
      'ghcr.io',
    ]);
    expect(JSON.stringify(target.queue.messages)).not.toMatch(/user|pass/);
  });
});

describe('the worker side: a name that resolves to loopback', () => {
  let server: Server;
  let port: number;
  /** Requests the loopback server received. */
  const reached: string[] = [];

  beforeAll(async () => {
    server = createServer((request: IncomingMessage, res: ServerResponse) => {
      reached.push(`${request.method} ${request.url}`);
      res.writeHead(404, { 'content-type': 'application/json' }).end('{}');
    });
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(0, '127.0.0.1', () => resolve());
    });
    const address = server.address();
    port = typeof address === 'object' && address ? address.port : 0;
  });

  afterAll(async () => {
    server?.closeAllConnections();
    await new Promise<void>((resolve) =>
      server ? server.close(() => resolve()) : resolve()
    );
  });

  it('refuses localhost:PORT when only 127.0.0.1:PORT is listed, by name and by address', async () => {
    // Prepare: the listed address, and a request naming it through DNS
    const allowlist = RegistryAllowlist.from([`127.0.0.1:${port}`]);
    const registryFor = guardedRegistryFor(allowlist, {
      retry: { attempts: 1 },
    });
    const clock = new TestClock();
    const store = new MemoryScanStore();
    const byAddress = new HttpRegistry({
      registry: `localhost:${port}`,
      dispatcher: createEgressDispatcher(allowlist),
      retry: { attempts: 1 },
    });
    reached.length = 0;
    // Act
    const processed = await processScanRequest(
      {
        version: 1,
        source: 'webhook',
        registry: `localhost:${port}`,
        repository: 'team/app',
        tag: '1',
        receivedAt: clock.now().toISOString(),
      },
      { registryFor, store, clock },
      { graceSeconds: 0, notifySeverity: 'error' }
    ).then(
      () => undefined,
      (error: unknown) => error
    );
    const connected = await byAddress.getManifest('team/app', '1').then(
      () => undefined,
      (error: unknown) => error
    );
    // Assess: refused by the allowlist before a lookup, and by the egress
    // guard after one; the server saw nothing either way.
    expect(processed).toBeInstanceOf(EgressRefusedError);
    expect((processed as Error).message).toMatch(/loopback name/);
    expect(connected).toBeInstanceOf(EgressRefusedError);
    expect((connected as Error).message).toMatch(
      new RegExp(
        `localhost:${port} \\(resolved to [^)]+\\): .* is a loopback address`
      )
    );
    expect(reached).toEqual([]);
  });

  it('reaches the listed 127.0.0.1:PORT itself, so the refusal above is the guard’s', async () => {
    // Prepare
    const registryFor = guardedRegistryFor(
      RegistryAllowlist.from([`127.0.0.1:${port}`]),
      { retry: { attempts: 1 } }
    );
    reached.length = 0;
    // Act: the server answers 404, which is all this needs
    const outcome = await registryFor(`127.0.0.1:${port}`)
      .getManifest('team/app', '1')
      .then(
        () => undefined,
        (error: unknown) => error
      );
    // Assess
    expect(outcome).not.toBeInstanceOf(EgressRefusedError);
    expect(reached).toEqual(['GET /v2/team/app/manifests/1']);
  });
});
