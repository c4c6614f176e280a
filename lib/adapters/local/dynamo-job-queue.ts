/**
 * The durable job queue of `archscan serve`, kept in the archscan table
 * beside the history, so whatever was accepted survives a restart or a
 * crash. One item per job:
 *
 * | pk | sk | attributes |
 * |---|---|---|
 * | `QUEUE` | `<enqueue time ISO 8601>#<sequence><random>` (the job id) | `body`, `visibleAt` (epoch ms), `attempts`, `receives`, `enqueuedAt`, `lastError`, `leaseId` (while leased) |
 *
 * Leasing works as SQS's visibility timeout: a receiver reads the visible
 * jobs (a consistent Query of the `QUEUE` partition, oldest first) and
 * claims each with an update conditional on the `visibleAt` it read, so
 * of two receivers that read the same job only one gets it. Retries and
 * lease extensions are conditional on the lease's `leaseId`, so a worker
 * whose lease ran out cannot disturb the job's new holder. Queue items
 * carry no index keys and no `ttl`: they never appear in history queries
 * and never expire.
 *
 * Each receive reads the whole partition, which suits one machine's
 * backlog (thousands of jobs), not a shared queue of millions.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
  QueryCommand,
  type QueryCommandInput,
  UpdateCommand,
  type UpdateCommandInput,
} from '@aws-sdk/lib-dynamodb';
import type { ScanRequest } from '../../engine/history/scan-request.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Job, JobQueue, QueueDepth } from '../../ports/job-queue.js';
import { awsErrorName, storeError } from '../aws/store-errors.js';

/** Partition key of every job item. */
export const QUEUE_PK = 'QUEUE';

/** `lastError` is kept for people reading the table; a stack trace's head is enough. */
export const MAX_LAST_ERROR_CHARS = 1000;

/** Options of {@link DynamoJobQueue}. */
export interface DynamoJobQueueOptions {
  /** Built once by the composition root (e.g. the embedded store's client). */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  readonly clock?: Clock;
}

/** Orders jobs sent within the same millisecond by this process. */
let sequence = 0;

/**
 * A `JobQueue` on one DynamoDB table.
 *
 * @example
 * const queue = new DynamoJobQueue({ client: dynamo.client, tableName: dynamo.tableName });
 * await queue.releaseLeases(); // at start-up, before any worker runs
 * await queue.send(request);
 * const [job] = await queue.receive(1, 300);
 * if (job) await queue.ack(job);
 */
export class DynamoJobQueue implements JobQueue {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly clock: Clock;

  constructor(options: DynamoJobQueueOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.clock = options.clock ?? systemClock;
  }

  async send(request: ScanRequest, delaySeconds = 0): Promise<void> {
    const now = this.clock.now();
    sequence = (sequence + 1) % 0x1_0000_0000;
    const id = `${now.toISOString()}#${sequence.toString(16).padStart(8, '0')}${randomBytes(4).toString('hex')}`;
    await this.call('queue a scan request', () =>
      this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            pk: QUEUE_PK,
            sk: id,
            body: JSON.stringify(request),
            visibleAt: now.getTime() + delayMs(delaySeconds),
            attempts: 0,
            receives: 0,
            enqueuedAt: now.toISOString(),
          },
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      )
    );
  }

  async receive(max: number, leaseSeconds: number): Promise<Job[]> {
    const leased: Job[] = [];
    if (max <= 0) return leased;
    const now = this.clock.now().getTime();
    const until = now + delayMs(leaseSeconds);
    const pages = this.query({
      FilterExpression: 'visibleAt <= :now',
      ExpressionAttributeValues: { ':now': now },
    });
    for await (const item of pages) {
      const job = await this.lease(item, until);
      if (job) leased.push(job);
      if (leased.length >= max) break;
    }
    return leased;
  }

  async ack(job: Job): Promise<void> {
    await this.call(`acknowledge job ${job.id}`, () =>
      this.client.send(
        new DeleteCommand({
          TableName: this.tableName,
          Key: { pk: QUEUE_PK, sk: job.id },
        })
      )
    );
  }

  async retry(job: Job, delaySeconds: number, error: string): Promise<boolean> {
    const visibleAt = this.clock.now().getTime() + delayMs(delaySeconds);
    const updated = await this.update(`retry job ${job.id}`, {
      Key: { pk: QUEUE_PK, sk: job.id },
      UpdateExpression:
        'SET visibleAt = :at, lastError = :error ADD attempts :one REMOVE leaseId',
      ConditionExpression: 'leaseId = :lease',
      ExpressionAttributeValues: {
        ':at': visibleAt,
        ':error': error.slice(0, MAX_LAST_ERROR_CHARS),
        ':one': 1,
        ':lease': job.leaseId,
      },
    });
    return updated !== undefined;
  }

  async extend(job: Job, leaseSeconds: number): Promise<Job | undefined> {
    const until = this.clock.now().getTime() + delayMs(leaseSeconds);
    const updated = await this.update(`extend the lease of job ${job.id}`, {
      Key: { pk: QUEUE_PK, sk: job.id },
      UpdateExpression: 'SET visibleAt = :until',
      ConditionExpression: 'leaseId = :lease',
      ExpressionAttributeValues: { ':until': until, ':lease': job.leaseId },
      ReturnValues: 'ALL_NEW',
    });
    return updated && toJob(updated);
  }

  async releaseLeases(): Promise<number> {
    const now = this.clock.now().getTime();
    let released = 0;
    const pages = this.query({ FilterExpression: 'attribute_exists(leaseId)' });
    for await (const item of pages) {
      const updated = await this.update(`release job ${String(item.sk)}`, {
        Key: { pk: QUEUE_PK, sk: item.sk },
        UpdateExpression: 'SET visibleAt = :now REMOVE leaseId',
        ConditionExpression: 'leaseId = :lease',
        ExpressionAttributeValues: { ':now': now, ':lease': item.leaseId },
      });
      if (updated) released++;
    }
    return released;
  }

  async depth(): Promise<QueueDepth> {
    const now = this.clock.now().getTime();
    const depth = { ready: 0, delayed: 0, leased: 0 };
    const pages = this.query({
      ProjectionExpression: 'visibleAt, leaseId',
    });
    for await (const item of pages) {
      if (Number(item.visibleAt) <= now) depth.ready++;
      else if (item.leaseId !== undefined) depth.leased++;
      else depth.delayed++;
    }
    return depth;
  }

  /** Claims one visible job: only one of several receivers that read it wins. */
  private async lease(
    item: Record<string, unknown>,
    until: number
  ): Promise<Job | undefined> {
    const updated = await this.update(`lease job ${String(item.sk)}`, {
      Key: { pk: QUEUE_PK, sk: item.sk },
      UpdateExpression:
        'SET visibleAt = :until, leaseId = :lease ADD receives :one',
      ConditionExpression: 'visibleAt = :seen',
      ExpressionAttributeValues: {
        ':until': until,
        ':lease': randomUUID(),
        ':one': 1,
        ':seen': item.visibleAt,
      },
      ReturnValues: 'ALL_NEW',
    });
    return updated && toJob(updated);
  }

  /** Items of the queue partition, oldest first, one consistent page at a time. */
  private async *query(
    input: Omit<QueryCommandInput, 'TableName' | 'KeyConditionExpression'>
  ): AsyncGenerator<Record<string, unknown>> {
    let startKey: Record<string, unknown> | undefined;
    do {
      const page = await this.call('read the job queue', () =>
        this.client.send(
          new QueryCommand({
            ...input,
            TableName: this.tableName,
            KeyConditionExpression: 'pk = :queue',
            ExpressionAttributeValues: {
              ...input.ExpressionAttributeValues,
              ':queue': QUEUE_PK,
            },
            // A job acknowledged or leased a moment ago must not be seen stale.
            ConsistentRead: true,
            ...(startKey ? { ExclusiveStartKey: startKey } : {}),
          })
        )
      );
      yield* page.Items ?? [];
      startKey = page.LastEvaluatedKey;
    } while (startKey);
  }

  /** A conditional update; undefined when the condition failed. */
  private async update(
    what: string,
    input: Omit<UpdateCommandInput, 'TableName'>
  ): Promise<Record<string, unknown> | undefined> {
    try {
      const { Attributes } = await this.client.send(
        new UpdateCommand({
          ReturnValues: 'ALL_NEW',
          ...input,
          TableName: this.tableName,
        })
      );
      return Attributes ?? {};
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') {
        return undefined;
      }
      throw storeError(error, what, `table ${this.tableName}`);
    }
  }

  private async call<T>(what: string, send: () => Promise<T>): Promise<T> {
    try {
      return await send();
    } catch (error) {
      throw storeError(error, what, `table ${this.tableName}`);
    }
  }
}

/** Seconds to milliseconds; negative, NaN and infinite delays become 0. */
function delayMs(seconds: number): number {
  return Number.isFinite(seconds) && seconds > 0
    ? Math.round(seconds * 1000)
    : 0;
}

function toJob(item: Record<string, unknown>): Job {
  return {
    id: String(item.sk),
    body: String(item.body),
    attempts: Number(item.attempts ?? 0),
    receives: Number(item.receives ?? 0),
    enqueuedAt: String(item.enqueuedAt),
    ...(typeof item.lastError === 'string'
      ? { lastError: item.lastError }
      : {}),
    leaseId: String(item.leaseId),
    visibleAt: Number(item.visibleAt),
  };
}
