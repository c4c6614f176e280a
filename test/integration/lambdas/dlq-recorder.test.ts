/**
 * The dead-letter recorder in-process: a request that kept failing is
 * stored as an `error` scan in dynalite through the production store.
 */
import type { Context, SQSEvent } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDlqHandler } from '../../../lambdas/dlq-recorder/create-handler.js';
import { DynamoScanStore } from '../../../lib/adapters/aws/dynamo-scan-store.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';
import { RecordingNotifier } from '../../support/fakes/recording-notifier.js';
import { TestClock } from '../../support/fakes/test-clock.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo?.stop();
});

const context = {
  functionName: 'dlq',
  awsRequestId: 'r',
  getRemainingTimeInMillis: () => 60_000,
} as unknown as Context;
const record = (body: string, id: string) => ({
  messageId: id,
  receiptHandle: id,
  body,
  attributes: { ApproximateReceiveCount: '1' },
  messageAttributes: {},
  md5OfBody: 'x',
  eventSource: 'aws:sqs',
  eventSourceARN: 'arn:aws:sqs:us-west-2:123456789012:scan-dlq',
  awsRegion: 'us-west-2',
});

describe('dead-letter recorder', () => {
  it('records each poison message as an error scan and tells subscribers', async () => {
    // Prepare
    const tableName = uniqueTableName();
    await createArchscanTable(dynamo.client, tableName);
    const clock = new TestClock();
    const store = new DynamoScanStore({
      client: dynamo.documentClient,
      tableName,
      clock,
    });
    const notifier = new RecordingNotifier();
    const handle = createDlqHandler({ store, clock, notifier });
    const request = {
      version: 1,
      source: 'ecr',
      registry: 'reg.example',
      repository: 'team/api',
      tag: '1.0',
      digest: `sha256:${'a'.repeat(64)}`,
      receivedAt: clock.now().toISOString(),
    };
    // Act
    const result = await handle(
      {
        Records: [
          record(JSON.stringify(request), 'm1'),
          record('not json', 'm2'),
        ],
      } as unknown as SQSEvent,
      context
    );
    // Assess
    expect(result.batchItemFailures).toEqual([]);
    const scans = await store.listByRepository('reg.example', 'team/api');
    expect(scans.items).toHaveLength(1);
    expect(scans.items[0]).toMatchObject({
      status: 'error',
      tag: '1.0',
      error: { code: 'poison-message' },
    });
    expect(scans.items[0]?.error?.message).toMatch(/failed 5 times/);
    const unparseable = await store.listByRepository(
      'unknown',
      'unparseable-message'
    );
    expect(unparseable.items[0]?.error?.message).toMatch(/not JSON/);
    expect(notifier.sent).toHaveLength(2);
  });
});
