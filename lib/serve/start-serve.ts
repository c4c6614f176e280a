/**
 * The composition root of `archscan serve`: the AWS pipeline's parts on
 * one machine (DESIGN.md §Sources and triggers).
 *
 * webhook → intake (verify, allowlist, replay, coalesce) → queue on disk →
 * worker pool → `processScanRequest` → history in DynamoDB (embedded
 * dynalite by default) → notifiers; the history API answers on the same
 * port. Everything durable lives in one state directory, owned by one
 * process at a time: a restart, even after SIGKILL, picks up every job
 * that was accepted and not finished.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRemoteJWKSet } from 'jose';
import { DynamoClaimStore } from '../adapters/aws/dynamo-claim-store.js';
import { DynamoScanStore } from '../adapters/aws/dynamo-scan-store.js';
import { DynamoJobQueue } from '../adapters/local/dynamo-job-queue.js';
import {
  type EmbeddedDynamo,
  startEmbeddedDynamo,
} from '../adapters/local/embedded-dynamo.js';
import { FileBlobStore } from '../adapters/local/file-blob-store.js';
import { FileLayerCache } from '../adapters/local/file-layer-cache.js';
import { FanoutNotifier } from '../adapters/notify/fanout-notifier.js';
import { HttpWebhookNotifier } from '../adapters/notify/http-webhook-notifier.js';
import { LogNotifier } from '../adapters/notify/log-notifier.js';
import { SlackNotifier } from '../adapters/notify/slack-notifier.js';
import { SmtpNotifier } from '../adapters/notify/smtp-notifier.js';
import { DockerConfigAuth } from '../adapters/registry/docker-config-auth.js';
import { guardedRegistryFor } from '../adapters/registry/egress-dispatcher.js';
import { RegistryAllowlist } from '../engine/egress/allowlist.js';
import { EgressRefusedError, type ScannerError } from '../engine/errors.js';
import { expectedPlatformsFor } from '../engine/history/policy.js';
import type { ScanRecord } from '../engine/history/scan-record.js';
import type { ScanRequest } from '../engine/history/scan-request.js';
import { PROVIDERS } from '../engine/webhooks/providers/index.js';
import { PROVIDER_NAMES, type ProviderName } from '../engine/webhooks/types.js';
import { historyRoutes } from '../http/history-routes.js';
import { createRouter, jsonResponse, logFailures } from '../http/router.js';
import { webhookRoute } from '../http/webhook-route.js';
import { systemClock } from '../ports/clock.js';
import type { Notifier } from '../ports/notifier.js';
import type {
  IntakeDeps,
  ProviderSettings,
} from '../usecases/accept-webhook.js';
import {
  type Outcome,
  type ProcessDeps,
  processScanRequest,
} from '../usecases/process-request.js';
import { recordPoisonMessage } from '../usecases/record-poison.js';
import type { ServeConfig } from './config-types.js';
import { startHttpServer } from './http-server.js';
import type { ServeLog } from './log.js';
import { acquireStateLock } from './state-lock.js';
import { startWorkerPool } from './worker-pool.js';

/** File in the state directory holding the generated webhook token. */
export const TOKEN_FILE = 'webhook-token';
/** Time given to in-flight HTTP requests, then to running scans, on stop. */
const HTTP_GRACE_MS = 5_000;
const SCAN_GRACE_MS = 10_000;

export interface ServeIo {
  /** Where the JSON log and the log notifier write. */
  readonly stdout: { write(text: string): unknown };
  readonly log: ServeLog;
  /** For Docker credentials (`DOCKER_CONFIG`, credential helpers). */
  readonly env: Readonly<Record<string, string | undefined>>;
}

export interface RunningServe {
  /** `http://host:port` the server listens on. */
  readonly url: string;
  /** Providers that accept deliveries, and how. */
  readonly providers: readonly ProviderName[];
  /** Path of the generated token every provider without its own secret uses. */
  readonly tokenFile: string;
  /** Jobs found unfinished from a previous run and queued again. */
  readonly resumed: number;
  /** Stops accepting, lets scans finish for a grace period, closes the store. */
  stop(): Promise<void>;
}

/**
 * Starts the pipeline.
 *
 * @throws ConfigError when the state directory is in use, the allowlist is
 *   invalid, or the store cannot be opened.
 * @example
 * const serve = await startServe(await loadServeConfig({ env, cwd }), io);
 * process.once('SIGTERM', () => void serve.stop());
 */
export async function startServe(
  config: ServeConfig,
  io: ServeIo
): Promise<RunningServe> {
  const { log } = io;
  const allowlist = RegistryAllowlist.from(config.registries.allow);
  await mkdir(config.stateDir, { recursive: true, mode: 0o700 });
  const lock = await acquireStateLock(config.stateDir);
  const closers: (() => Promise<void> | void)[] = [() => lock.release()];
  const closeAll = async () => {
    for (const close of closers.reverse()) await close();
  };
  try {
    const tokenFile = join(config.stateDir, TOKEN_FILE);
    const token = await readOrCreateToken(tokenFile);
    const { client, tableName, embedded } = await openStore(config);
    if (embedded) closers.push(() => embedded.close());
    const clock = systemClock;
    const store = new DynamoScanStore({
      client,
      tableName,
      clock,
      // Reports too large for an item (tens of thousands of findings).
      reports: new FileBlobStore(join(config.stateDir, 'blobs')),
    });
    const claims = new DynamoClaimStore({ client, tableName });
    const queue = new DynamoJobQueue({ client, tableName, clock });
    // Leases left by a previous run of this process are freed at once; a
    // shared table may hold live leases of other servers, which expire.
    const resumed = embedded ? await queue.releaseLeases() : 0;
    const { notifier, close: closeNotifier } = buildNotifier(config, io);
    closers.push(closeNotifier);
    const settings = providerSettings(config, token);
    const intake: IntakeDeps = {
      providers: PROVIDERS,
      settings,
      policy: allowlist,
      claims,
      queue,
      clock,
      coalesceSeconds: config.webhooks.coalesceSeconds,
      replayWindowSeconds: config.webhooks.replayWindowSeconds,
    };
    const deps: ProcessDeps = {
      registryFor: guardedRegistryFor(allowlist, {
        auth: new DockerConfigAuth({
          path: join(
            io.env.DOCKER_CONFIG || join(io.env.HOME ?? '', '.docker'),
            'config.json'
          ),
          env: { ...io.env },
        }),
      }),
      store,
      clock,
      queue,
      cache: new FileLayerCache(join(config.stateDir, 'layers')),
      ...(notifier ? { notifier } : {}),
    };
    const poison = (body: string, attempts: number, failure?: ScannerError) =>
      recordPoisonMessage(
        body,
        attempts,
        { store, clock, ...(notifier ? { notifier } : {}) },
        failure
      );
    const pool = startWorkerPool({
      queue,
      concurrency: config.queue.concurrency,
      maxAttempts: config.queue.maxAttempts,
      log,
      onPoison: async (body, attempts, lastError) => {
        const record = await poison(body, attempts);
        log.error('scan request failed for good', {
          attempts,
          lastError,
          scanId: record.scanId,
        });
      },
      process: async (request, signal) => {
        log.info('scan started', describe(request));
        try {
          const outcome = await processScanRequest(request, deps, {
            graceSeconds: config.scan.graceSeconds,
            notifySeverity: config.scan.notifySeverity,
            ...expectedFor(config, request),
            historyUrl: historyLink(config.publicUrl),
            scan: { signal },
            stopping: signal,
          });
          log.info('scan request processed', {
            ...describe(request),
            ...summarize(outcome),
          });
        } catch (error) {
          // A registry off the allowlist stays off it: record, do not retry.
          if (!(error instanceof EgressRefusedError)) throw error;
          const record = await poison(JSON.stringify(request), 1, error);
          log.warn('registry refused', {
            ...describe(request),
            reason: error.message,
            scanId: record.scanId,
          });
        }
      },
    });
    closers.push(() => pool.stop(SCAN_GRACE_MS));
    const handler = createRouter(
      [
        webhookRoute(intake),
        ...historyRoutes({
          store,
          ...(config.api.token ? { token: config.api.token } : {}),
        }),
        {
          method: 'GET',
          path: '/healthz',
          handler: async () =>
            jsonResponse(200, { status: 'ok', queue: await queue.depth() }),
        },
      ],
      { log: logFailures(log) }
    );
    const server = await startHttpServer({
      host: config.listen.host,
      port: config.listen.port,
      handler,
      log,
    });
    closers.push(() => server.close(HTTP_GRACE_MS));
    let stopping: Promise<void> | undefined;
    return {
      url: server.url,
      providers: Object.keys(settings) as ProviderName[],
      tokenFile,
      resumed,
      stop: () => {
        stopping ??= closeAll();
        return stopping;
      },
    };
  } catch (error) {
    await closeAll();
    throw error;
  }
}

/** The token from a previous start, or a new one (256 random bits, owner-only file). */
async function readOrCreateToken(path: string): Promise<string> {
  try {
    const existing = (await readFile(path, 'utf8')).trim();
    if (existing.length >= 32) return existing;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
  }
  const token = randomBytes(32).toString('base64url');
  await writeFile(path, `${token}\n`, { mode: 0o600 });
  return token;
}

async function openStore(config: ServeConfig): Promise<{
  client: DynamoDBDocumentClient;
  tableName: string;
  embedded?: EmbeddedDynamo;
}> {
  if (config.store.kind === 'embedded') {
    const embedded = await startEmbeddedDynamo({
      dir: join(config.stateDir, 'dynamo'),
    });
    return { client: embedded.client, tableName: embedded.tableName, embedded };
  }
  const { endpoint, region, tableName } = config.store;
  const client = DynamoDBDocumentClient.from(
    new DynamoDBClient({
      ...(endpoint ? { endpoint } : {}),
      ...(region ? { region } : {}),
    }),
    { marshallOptions: { removeUndefinedValues: true } }
  );
  return { client, tableName };
}

/**
 * Settings per enabled provider. With no provider configured, every
 * provider is enabled with the generated token; a configured provider
 * without a secret uses the token too.
 */
function providerSettings(
  config: ServeConfig,
  token: string
): Partial<Record<ProviderName, ProviderSettings>> {
  const configured = config.webhooks.providers;
  const names = Object.keys(configured).length
    ? (Object.keys(configured) as ProviderName[])
    : [...PROVIDER_NAMES];
  return Object.fromEntries(
    names.map((name) => {
      const own = configured[name];
      const settings: ProviderSettings = {
        secret: own?.secret ?? token,
        ...(own?.registry ? { registry: own.registry } : {}),
        ...(own?.oidc
          ? {
              oidc: {
                audience: own.oidc.audience,
                ...(own.oidc.email ? { email: own.oidc.email } : {}),
                keys: createRemoteJWKSet(new URL(own.oidc.jwksUrl)),
              },
            }
          : {}),
      };
      return [name, settings];
    })
  );
}

function buildNotifier(
  config: ServeConfig,
  io: ServeIo
): { notifier?: Notifier; close: () => void } {
  const channels: { name: string; notifier: Notifier }[] = [];
  const { notify } = config;
  if (notify.log) {
    channels.push({ name: 'log', notifier: new LogNotifier(io.stdout) });
  }
  if (notify.slack) {
    channels.push({
      name: 'slack',
      notifier: new SlackNotifier({ url: notify.slack.webhookUrl }),
    });
  }
  const smtp = notify.smtp ? new SmtpNotifier(notify.smtp) : undefined;
  if (smtp) channels.push({ name: 'smtp', notifier: smtp });
  notify.webhooks.forEach((hook, i) => {
    channels.push({
      name: `webhook ${i + 1}`,
      notifier: new HttpWebhookNotifier(hook),
    });
  });
  const close = () => smtp?.close();
  if (channels.length === 0) return { close };
  return {
    notifier: new FanoutNotifier(channels, (channel, error) =>
      io.log.error('notification not delivered', {
        channel,
        error: error instanceof Error ? error.message : String(error),
      })
    ),
    close,
  };
}

function expectedFor(
  config: ServeConfig,
  request: ScanRequest
): { expectedPlatforms?: ReturnType<typeof expectedPlatformsFor> } {
  const expected = expectedPlatformsFor(
    request.repository,
    config.scan.expectedPlatforms
  );
  return expected ? { expectedPlatforms: expected } : {};
}

function historyLink(base: string) {
  const root = base.replace(/\/$/, '');
  return (record: ScanRecord) =>
    record.digest
      ? `${root}/scans/${encodeURIComponent(record.digest)}`
      : `${root}/scans?registry=${encodeURIComponent(record.registry)}&repository=${encodeURIComponent(record.repository)}`;
}

function describe(request: ScanRequest): Record<string, unknown> {
  return {
    source: request.source,
    registry: request.registry,
    repository: request.repository,
    ...(request.tag ? { tag: request.tag } : {}),
    ...(request.digest ? { digest: request.digest } : {}),
  };
}

function summarize(outcome: Outcome): Record<string, unknown> {
  switch (outcome.kind) {
    case 'scanned':
      return {
        outcome: outcome.kind,
        scanId: outcome.record.scanId,
        status: outcome.record.status,
        notified: outcome.notified,
        recheckQueued: outcome.recheckQueued,
      };
    case 'duplicate':
      return { outcome: outcome.kind, scanId: outcome.scanId };
    case 'skipped':
      return { outcome: outcome.kind, reason: outcome.reason };
    case 'deferred':
      return { outcome: outcome.kind, delaySeconds: outcome.delaySeconds };
  }
}
