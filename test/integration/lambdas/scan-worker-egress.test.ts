/**
 * The scan worker's registry allowlist, wired as the composition root
 * wires it (`workerRegistryFor` with ALLOWED_REGISTRIES and the ECR auth):
 * a queue message naming a registry off the list is recorded at once as an
 * `error` scan with code `forbidden` in dynalite, the record succeeds (SQS
 * does not redeliver it until it dead-letters), and nothing is contacted;
 * a recording HTTP server stands in for the refused registry to prove it.
 * A listed registry (a real Distribution registry on loopback) is scanned.
 */
import {
  createServer,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../../lambdas/scan-worker/create-handler.js';
import { workerRegistryFor } from '../../../lambdas/scan-worker/registry-for.js';
import { DynamoScanStore } from '../../../lib/adapters/aws/dynamo-scan-store.js';
import { EcrAuth } from '../../../lib/adapters/registry/ecr-auth.js';
import { EgressRefusedError } from '../../../lib/engine/errors.js';
import type { ScanRequest } from '../../../lib/engine/history/scan-request.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';
import { RecordingNotifier } from '../../support/fakes/recording-notifier.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { buildImage } from '../../support/oci-image.js';
import { pushImage } from '../../support/push.js';
import { type RegistryProcess, startRegistry } from '../../support/registry.js';

const ECR_HOST = '123456789012.dkr.ecr.us-west-2.amazonaws.com';
const DIGEST = `sha256:${'d'.repeat(64)}`;
const RETRY = { attempts: 2, initialDelayMs: 1, maxDelayMs: 5 };

let registry: RegistryProcess;
let dynamo: LocalDynamo;
let decoy: Server;
let decoyHost: string;
/** Requests and connections the decoy registry received. */
const reached: string[] = [];
let tableName: string;
let clock: TestClock;
let store: DynamoScanStore;
let notifier: RecordingNotifier;
let tokenCalls: number;

function recordRequest(request: IncomingMessage, response: ServerResponse) {
  reached.push(`${request.method} ${request.url}`);
  response.writeHead(404, { 'content-type': 'application/json' }).end('{}');
}

beforeAll(async () => {
  [registry, dynamo] = await Promise.all([
    startRegistry({ inMemory: true }),
    startDynalite(),
  ]);
  decoy = createServer(recordRequest);
  decoy.on('connection', () => reached.push('connection'));
  await new Promise<void>((resolve, reject) => {
    decoy.once('error', reject);
    decoy.listen(0, '127.0.0.1', () => resolve());
  });
  const address = decoy.address();
  decoyHost = `127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
});

afterAll(async () => {
  decoy?.closeAllConnections();
  await new Promise<void>((resolve) =>
    decoy ? decoy.close(() => resolve()) : resolve()
  );
  await Promise.all([registry?.stop(), dynamo?.stop()]);
});

beforeEach(async () => {
  reached.length = 0;
  tokenCalls = 0;
  tableName = uniqueTableName();
  await createArchscanTable(dynamo.client, tableName);
  clock = new TestClock(new Date().toISOString());
  store = new DynamoScanStore({
    client: dynamo.documentClient,
    tableName,
    clock,
  });
  notifier = new RecordingNotifier();
});

/** The ECR auth of the composition root, with the token call counted. */
function ecrAuth(): EcrAuth {
  return new EcrAuth({
    getAuthorizationToken: async () => {
      tokenCalls += 1;
      return {
        token: Buffer.from('AWS:password').toString('base64'),
        expiresAt: new Date(clock.now().getTime() + 12 * 3600_000),
        proxyEndpoint: `https://${ECR_HOST}`,
      };
    },
  });
}

/** The worker handler with `allowed` as its ALLOWED_REGISTRIES. */
function handler(allowed: readonly string[]) {
  return createWorkerHandler({
    registryFor: workerRegistryFor(allowed, { auth: ecrAuth(), retry: RETRY }),
    store,
    clock,
    notifier,
    persistence: new DynamoDBPersistenceLayer({
      tableName,
      keyAttr: 'pk',
      sortKeyAttr: 'sk',
      expiryAttr: 'ttl',
      awsSdkV3Client: dynamo.client,
    }),
    rules: [{ pattern: '*', platforms: [] }],
    graceSeconds: 0,
    notifySeverity: 'error',
  });
}

function request(host: string, tag = '1.0', digest = DIGEST): ScanRequest {
  return {
    version: 1,
    source: 'webhook',
    registry: host,
    repository: 'team/app',
    tag,
    digest,
    receivedAt: clock.now().toISOString(),
  };
}

/** An SQS record carrying `body`, as the event source mapping delivers it. */
function sqsRecord(body: ScanRequest, id: string) {
  return {
    messageId: `msg-${id}`,
    receiptHandle: `rh-${id}`,
    body: JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: '1700000000000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1700000000001',
    },
    messageAttributes: {},
    md5OfBody: 'x',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-west-2:123456789012:scan',
    awsRegion: 'us-west-2',
  };
}

function context(): Context {
  return {
    functionName: 'scan-worker',
    functionVersion: '$LATEST',
    invokedFunctionArn:
      'arn:aws:lambda:us-west-2:123456789012:function:scan-worker',
    memoryLimitInMB: '3538',
    awsRequestId: `req-${Math.random()}`,
    logGroupName: 'g',
    logStreamName: 's',
    callbackWaitsForEmptyEventLoop: false,
    getRemainingTimeInMillis: () => 600_000,
    done: () => {},
    fail: () => {},
    succeed: () => {},
  };
}

describe('scan worker with ALLOWED_REGISTRIES', () => {
  it('records a registry off the allowlist as a forbidden error scan, without retry or contact', async () => {
    // Prepare: only this account's ECR is listed, as the stack sets it
    // without webhooks; the decoy on loopback is not listed.
    const handle = handler([ECR_HOST]);
    const refused = [decoyHost, '169.254.169.254', 'evil.example.com'];
    // Act
    const result = await handle(
      {
        Records: refused.map((host, i) => sqsRecord(request(host), `${i}`)),
      } as SQSEvent,
      context()
    );
    // Assess: every record succeeded, so SQS deletes them
    expect(result.batchItemFailures).toEqual([]);
    for (const host of refused) {
      const scans = await store.listByRepository(host, 'team/app');
      expect(scans.items).toHaveLength(1);
      expect(scans.items[0]).toMatchObject({
        status: 'error',
        tag: '1.0',
        error: { code: 'forbidden' },
      });
    }
    const [decoyScan] = (await store.listByRepository(decoyHost, 'team/app'))
      .items;
    expect(decoyScan?.error?.message).toMatch(
      /is a loopback address and only allowed when listed exactly/
    );
    expect(notifier.sent.map((n) => n.record.registry).sort()).toEqual(
      [...refused].sort()
    );
    expect(reached).toEqual([]);
    expect(tokenCalls).toBe(0);
  });

  it('answers a redelivery of the refused request from idempotency: still one record', async () => {
    // Prepare
    const handle = handler([ECR_HOST]);
    const body = request(decoyHost);
    // Act: the same message delivered twice
    const first = await handle(
      { Records: [sqsRecord(body, 'a')] } as SQSEvent,
      context()
    );
    const again = await handle(
      { Records: [sqsRecord(body, 'b')] } as SQSEvent,
      context()
    );
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    const scans = await store.listByRepository(decoyHost, 'team/app');
    expect(scans.items).toHaveLength(1);
    expect(notifier.sent).toHaveLength(1);
    expect(reached).toEqual([]);
  });

  it('scans an image in a listed registry through the egress guard', async () => {
    // Prepare: the real registry on loopback, listed exactly
    const image = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'amd64' },
          layers: [
            {
              files: [
                { path: 'app/server', content: fixture('hello-amd64-static') },
              ],
            },
          ],
        },
      ],
    });
    await pushImage(image, {
      baseUrl: registry.baseUrl,
      repository: 'team/app',
      tag: '2.0',
    });
    const handle = handler([ECR_HOST, registry.host]);
    // Act
    const result = await handle(
      {
        Records: [
          sqsRecord(request(registry.host, '2.0', image.top.digest), 'ok'),
        ],
      } as SQSEvent,
      context()
    );
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const scans = await store.listByRepository(registry.host, 'team/app');
    expect(scans.items.map((s) => [s.status, s.digest])).toEqual([
      ['pass', image.top.digest],
    ]);
    expect(tokenCalls).toBe(0);
  });
});

describe('workerRegistryFor', () => {
  it('refuses an unlisted host before any connection', () => {
    // Prepare
    const registryFor = workerRegistryFor([ECR_HOST], { auth: ecrAuth() });
    // Act
    const refusal = (() => {
      try {
        registryFor(decoyHost);
      } catch (error) {
        return error;
      }
      return undefined;
    })();
    // Assess
    expect(refusal).toBeInstanceOf(EgressRefusedError);
    expect(reached).toEqual([]);
  });

  it('keeps the unguarded behaviour of older deployments when the list is empty', async () => {
    // Prepare: a function deployed before the stack set ALLOWED_REGISTRIES
    const registryFor = workerRegistryFor([], {
      auth: ecrAuth(),
      retry: RETRY,
    });
    // Act: the decoy answers 404, which is all this needs
    const outcome = await registryFor(decoyHost)
      .getManifest('team/app', '1.0')
      .then(
        () => 'found',
        (error: unknown) => error
      );
    // Assess: the host was contacted, not refused
    expect(outcome).not.toBeInstanceOf(EgressRefusedError);
    expect(reached).toContain('GET /v2/team/app/manifests/1.0');
  });

  it('reuses one client per host, so tokens are reused across messages', () => {
    const registryFor = workerRegistryFor([ECR_HOST], { auth: ecrAuth() });
    expect(registryFor(ECR_HOST)).toBe(registryFor(ECR_HOST));
  });
});
