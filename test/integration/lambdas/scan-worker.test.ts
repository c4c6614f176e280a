/**
 * The scan worker handler in-process with the events AWS documents: SQS
 * records carrying EventBridge `ECR Image Action` events. Images live in a
 * real Distribution registry on loopback; history, layer cache and
 * idempotency live in dynalite through the production adapters; SNS and
 * SQS (no local engine) are mocked at the SDK edge.
 */

import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Context, SQSEvent } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createWorkerHandler } from '../../../lambdas/scan-worker/create-handler.js';
import { DynamoLayerCache } from '../../../lib/adapters/aws/dynamo-layer-cache.js';
import { DynamoScanStore } from '../../../lib/adapters/aws/dynamo-scan-store.js';
import { SnsNotifier } from '../../../lib/adapters/aws/sns-notifier.js';
import { SqsScanQueue } from '../../../lib/adapters/aws/sqs-scan-queue.js';
import { createRegistry } from '../../../lib/adapters/registry/create-registry.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { buildImage, type ImageSpec } from '../../support/oci-image.js';
import { pushImage } from '../../support/push.js';
import { type RegistryProcess, startRegistry } from '../../support/registry.js';

const ACCOUNT = '123456789012';
const ECR_HOST = `${ACCOUNT}.dkr.ecr.us-west-2.amazonaws.com`;
const TOPIC = 'arn:aws:sns:us-west-2:123456789012:archscan-findings';
const sns = mockClient(SNSClient);
const sqs = mockClient(SQSClient);

let registry: RegistryProcess;
let dynamo: LocalDynamo;
let tableName: string;
let clock: TestClock;

beforeAll(async () => {
  [registry, dynamo] = await Promise.all([
    startRegistry({ inMemory: true }),
    startDynalite(),
  ]);
});

afterAll(async () => {
  await Promise.all([registry?.stop(), dynamo?.stop()]);
});

beforeEach(async () => {
  sns.reset();
  sqs.reset();
  sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  sqs.on(SendMessageCommand).resolves({ MessageId: 'q-1' });
  tableName = uniqueTableName();
  await createArchscanTable(dynamo.client, tableName);
  clock = new TestClock(new Date().toISOString());
});

function handler() {
  const store = new DynamoScanStore({
    client: dynamo.documentClient,
    tableName,
    clock,
  });
  const local = createRegistry(registry.host, { retry: { initialDelayMs: 1 } });
  return {
    store,
    handle: createWorkerHandler({
      // The ECR host in the events is served by the local registry, which speaks the same protocol.
      registryFor: (host) => {
        expect(host).toBe(ECR_HOST);
        return local;
      },
      store,
      cache: new DynamoLayerCache({ client: dynamo.documentClient, tableName }),
      clock,
      notifier: new SnsNotifier({
        client: new SNSClient({ region: 'us-west-2' }),
        topicArn: TOPIC,
      }),
      queue: new SqsScanQueue(
        new SQSClient({ region: 'us-west-2' }),
        'https://sqs.us-west-2.amazonaws.com/123456789012/scan'
      ),
      persistence: new DynamoDBPersistenceLayer({
        tableName,
        keyAttr: 'pk',
        sortKeyAttr: 'sk',
        expiryAttr: 'ttl',
        awsSdkV3Client: dynamo.client,
      }),
      rules: [{ pattern: 'team/*', platforms: ['linux/amd64', 'linux/arm64'] }],
      graceSeconds: 900,
      notifySeverity: 'error',
    }),
  };
}

/** An SQS record whose body is the EventBridge event the rule delivers. */
function ecrEvent(
  repository: string,
  digest: string,
  tag: string | undefined,
  id: string
) {
  const body = {
    version: '0',
    id: `evt-${id}`,
    'detail-type': 'ECR Image Action',
    source: 'aws.ecr',
    account: ACCOUNT,
    time: clock.now().toISOString(),
    region: 'us-west-2',
    resources: [],
    detail: {
      result: 'SUCCESS',
      'repository-name': repository,
      'image-digest': digest,
      'action-type': 'PUSH',
      ...(tag ? { 'image-tag': tag } : {}),
    },
  };
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

async function publish(repository: string, tag: string, images: ImageSpec[]) {
  const built = await buildImage({
    images,
    forceIndex: true,
    attestations: true,
  });
  await pushImage(built, { baseUrl: registry.baseUrl, repository, tag });
  return built;
}

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };
const server = (platform: typeof amd64, binary: string): ImageSpec => ({
  platform,
  layers: [{ files: [{ path: 'app/server', content: fixture(binary) }] }],
});

describe('scan worker handler', () => {
  it('scans a multi-arch push once, stores the failure and publishes once, despite duplicate events', async () => {
    // Prepare: an arm64 image carrying an x86-64 binary
    const built = await publish('team/api', '1.0', [
      server(amd64, 'hello-amd64-static'),
      server(arm64, 'hello-amd64-static'),
    ]);
    const { handle, store } = handler();
    const events = [
      ...built.manifests.map((child, i) =>
        ecrEvent('team/api', child, undefined, `child${i}`)
      ),
      ecrEvent('team/api', built.top.digest, '1.0', 'index'),
    ];
    // Act: the push sequence, then a redelivery of the index event
    const first = await handle({ Records: events } as SQSEvent, context());
    const again = await handle(
      {
        Records: [ecrEvent('team/api', built.top.digest, '1.0', 'index-again')],
      } as SQSEvent,
      context()
    );
    // Assess
    expect(first.batchItemFailures).toEqual([]);
    expect(again.batchItemFailures).toEqual([]);
    const scans = await store.listByRepository(ECR_HOST, 'team/api');
    expect(scans.items.map((s) => [s.status, s.digest, s.tag])).toEqual([
      ['fail', built.top.digest, '1.0'],
    ]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(1);
    const message = sns.commandCalls(PublishCommand)[0]!.args[0].input;
    expect(message.MessageAttributes?.repository?.StringValue).toBe(
      `${ECR_HOST}/team/api`
    );
    expect(message.Subject).toMatch(/team\/api/);
  });

  it('holds a missing platform for the grace window: no publish, a delayed re-check on the queue', async () => {
    const built = await publish('team/late', '2.0', [
      server(amd64, 'hello-amd64-static'),
    ]);
    const { handle, store } = handler();
    const result = await handle(
      {
        Records: [ecrEvent('team/late', built.top.digest, '2.0', 'late')],
      } as SQSEvent,
      context()
    );
    expect(result.batchItemFailures).toEqual([]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
    const sent = sqs.commandCalls(SendMessageCommand);
    expect(sent).toHaveLength(1);
    expect(sent[0]!.args[0].input.DelaySeconds).toBe(900);
    expect(
      JSON.parse(sent[0]!.args[0].input.MessageBody ?? '{}')
    ).toMatchObject({ source: 'recheck', tag: '2.0' });
    const stored = await store.listByRepository(ECR_HOST, 'team/late');
    expect(stored.items[0]?.counts.byKind).toEqual({ 'missing-platform': 1 });
  });

  it('reports a malformed message as a batch item failure and keeps the others', async () => {
    const built = await publish('team/ok', '3.0', [
      server(amd64, 'hello-amd64-static'),
      server(arm64, 'addon-arm64.so'),
    ]);
    const { handle } = handler();
    const bad = {
      ...ecrEvent('team/ok', built.top.digest, '3.0', 'bad'),
      body: '{"not":"an event"}',
    };
    const result = await handle(
      {
        Records: [bad, ecrEvent('team/ok', built.top.digest, '3.0', 'good')],
      } as SQSEvent,
      context()
    );
    expect(result.batchItemFailures).toEqual([{ itemIdentifier: 'msg-bad' }]);
  });
});

describe('scan worker handler, grace re-checks', () => {
  it('re-sends an early re-check every time it arrives, never answering it as a duplicate', async () => {
    // Prepare: a re-check whose window ends in 20 minutes
    const { handle } = handler();
    const recheck = {
      version: 1,
      source: 'recheck',
      registry: ECR_HOST,
      repository: 'team/late',
      tag: '2.0',
      receivedAt: clock.now().toISOString(),
      notBefore: new Date(clock.now().getTime() + 20 * 60_000).toISOString(),
    };
    const record = (id: string) => ({
      ...ecrEvent('team/late', 'x', '2.0', id),
      body: JSON.stringify(recheck),
    });
    // Act: delivered once, re-sent, delivered again (the same request)
    await handle({ Records: [record('r1')] } as SQSEvent, context());
    await handle({ Records: [record('r2')] } as SQSEvent, context());
    // Assess: both deliveries were deferred again, by at most 15 minutes per hop
    const sent = sqs
      .commandCalls(SendMessageCommand)
      .map((c) => c.args[0].input);
    expect(sent).toHaveLength(2);
    expect(sent.map((s) => s.DelaySeconds)).toEqual([900, 900]);
    expect(sns.commandCalls(PublishCommand)).toHaveLength(0);
  });
});

describe('idempotency keys', () => {
  it('treats each tag-only request as its own event, and repeats of a digest as one', async () => {
    const { idempotencyKey } = await import(
      '../../../lambdas/scan-worker/worker.js'
    );
    const base = {
      version: 1 as const,
      source: 'webhook' as const,
      registry: 'r',
      repository: 'a',
      tag: 'latest',
    };
    const rules = [{ pattern: '*', platforms: [] }];
    const first = idempotencyKey(
      { ...base, receivedAt: '2026-11-25T10:00:00Z' },
      rules
    );
    const second = idempotencyKey(
      { ...base, receivedAt: '2026-11-25T10:05:00Z' },
      rules
    );
    expect(first).not.toBe(second);
    const digest = `sha256:${'d'.repeat(64)}`;
    expect(
      idempotencyKey(
        { ...base, digest, receivedAt: '2026-11-25T10:00:00Z' },
        rules
      )
    ).toBe(
      idempotencyKey(
        { ...base, digest, receivedAt: '2026-11-25T10:05:00Z' },
        rules
      )
    );
  });
});
