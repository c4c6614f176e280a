import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoJobQueue,
  MAX_LAST_ERROR_CHARS,
  QUEUE_PK,
} from '../../../../lib/adapters/local/dynamo-job-queue.js';
import { startEmbeddedDynamo } from '../../../../lib/adapters/local/embedded-dynamo.js';
import type { ScanRequest } from '../../../../lib/engine/history/scan-request.js';
import type { Job } from '../../../../lib/ports/job-queue.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../../support/dynalite.js';
import { TestClock } from '../../../support/fakes/test-clock.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

function request(repository: string): ScanRequest {
  return {
    version: 1,
    source: 'webhook',
    registry: 'registry.example.com',
    repository,
    tag: 'v1',
    receivedAt: '2026-11-25T10:00:00.000Z',
  };
}

function repositoryOf(job: Job): string {
  return (JSON.parse(job.body) as ScanRequest).repository;
}

async function freshQueue(clock = new TestClock()) {
  const tableName = uniqueTableName('queue');
  await createArchscanTable(dynamo.client, tableName);
  const queue = new DynamoJobQueue({
    client: dynamo.documentClient,
    tableName,
    clock,
  });
  return { queue, clock, tableName };
}

describe('DynamoJobQueue', () => {
  it('leases a sent job once and keeps it invisible while leased', async () => {
    // Prepare
    const { queue } = await freshQueue();
    await queue.send(request('team/app'));
    // Act
    const first = await queue.receive(10, 60);
    const second = await queue.receive(10, 60);
    // Assess
    expect(first).toHaveLength(1);
    expect(first[0]).toMatchObject({
      attempts: 0,
      receives: 1,
      enqueuedAt: '2026-11-25T10:00:00.000Z',
      visibleAt: Date.parse('2026-11-25T10:01:00.000Z'),
    });
    expect(JSON.parse(first[0]!.body)).toEqual(request('team/app'));
    expect(second).toEqual([]);
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 1 });
  });

  it('hands out the oldest visible jobs first, at most max', async () => {
    // Prepare
    const { queue, clock } = await freshQueue();
    for (const name of ['a/one', 'a/two', 'a/three']) {
      await queue.send(request(name));
      clock.advance(1);
    }
    // Act
    const jobs = await queue.receive(2, 60);
    // Assess
    expect(jobs.map(repositoryOf)).toEqual(['a/one', 'a/two']);
    expect(await queue.depth()).toEqual({ ready: 1, delayed: 0, leased: 2 });
  });

  it('keeps the send order of jobs sent within one millisecond', async () => {
    // Prepare: the test clock stands still.
    const { queue } = await freshQueue();
    const names = Array.from({ length: 12 }, (_, i) => `same/ms-${i}`);
    for (const name of names) await queue.send(request(name));
    // Act
    const jobs = await queue.receive(20, 60);
    // Assess
    expect(jobs.map(repositoryOf)).toEqual(names);
  });

  it('holds a delayed job back until its delay has passed', async () => {
    // Prepare
    const { queue, clock } = await freshQueue();
    await queue.send(request('team/later'), 60);
    // Act
    const early = await queue.receive(1, 60);
    const depth = await queue.depth();
    clock.advance(60);
    const due = await queue.receive(1, 60);
    // Assess
    expect(early).toEqual([]);
    expect(depth).toEqual({ ready: 0, delayed: 1, leased: 0 });
    expect(due.map(repositoryOf)).toEqual(['team/later']);
  });

  it('deletes an acknowledged job', async () => {
    // Prepare
    const { queue, clock, tableName } = await freshQueue();
    await queue.send(request('team/app'));
    const [job] = await queue.receive(1, 30);
    // Act
    await queue.ack(job!);
    clock.advance(3600);
    // Assess
    expect(await queue.receive(1, 30)).toEqual([]);
    const { Item } = await dynamo.documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: QUEUE_PK, sk: job!.id },
      })
    );
    expect(Item).toBeUndefined();
  });

  it('counts a retry as an attempt and brings the job back after the delay', async () => {
    // Prepare
    const { queue, clock } = await freshQueue();
    await queue.send(request('team/flaky'));
    const [job] = await queue.receive(1, 300);
    // Act
    const retried = await queue.retry(job!, 30, 'registry answered 503');
    const during = await queue.depth();
    clock.advance(30);
    const [again] = await queue.receive(1, 300);
    // Assess
    expect(retried).toBe(true);
    expect(during).toEqual({ ready: 0, delayed: 1, leased: 0 });
    expect(again).toMatchObject({
      id: job!.id,
      attempts: 1,
      receives: 2,
      lastError: 'registry answered 503',
    });
    expect(again!.leaseId).not.toBe(job!.leaseId);
  });

  it('truncates a long error kept with a retry', async () => {
    // Prepare
    const { queue } = await freshQueue();
    await queue.send(request('team/app'));
    const [job] = await queue.receive(1, 300);
    // Act
    await queue.retry(job!, 0, 'x'.repeat(MAX_LAST_ERROR_CHARS + 500));
    const [again] = await queue.receive(1, 300);
    // Assess
    expect(again!.lastError).toHaveLength(MAX_LAST_ERROR_CHARS);
  });

  it('gives a job whose lease ran out to the next receiver, and the old holder loses it', async () => {
    // Prepare
    const { queue, clock } = await freshQueue();
    await queue.send(request('team/slow'));
    const [stale] = await queue.receive(1, 10);
    clock.advance(11);
    // Act
    const [fresh] = await queue.receive(1, 60);
    const retried = await queue.retry(stale!, 0, 'late failure');
    const extended = await queue.extend(stale!, 60);
    // Assess
    expect(fresh).toMatchObject({ id: stale!.id, receives: 2, attempts: 0 });
    expect(retried).toBe(false);
    expect(extended).toBeUndefined();
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 1 });
  });

  it('extends a lease that is still held', async () => {
    // Prepare
    const { queue, clock } = await freshQueue();
    await queue.send(request('team/big'));
    const [job] = await queue.receive(1, 10);
    // Act
    clock.advance(8);
    const extended = await queue.extend(job!, 10);
    clock.advance(8);
    const meanwhile = await queue.receive(1, 10);
    // Assess
    expect(extended).toMatchObject({
      id: job!.id,
      leaseId: job!.leaseId,
      visibleAt: job!.visibleAt + 8000,
    });
    expect(meanwhile).toEqual([]);
    expect(await queue.retry(extended!, 0, 'failed')).toBe(true);
  });

  it('releases every lease at once without counting an attempt', async () => {
    // Prepare
    const { queue } = await freshQueue();
    await queue.send(request('a/one'));
    await queue.send(request('a/two'));
    await queue.send(request('a/later'), 600);
    await queue.receive(2, 3600);
    // Act
    const released = await queue.releaseLeases();
    const jobs = await queue.receive(10, 60);
    // Assess
    expect(released).toBe(2);
    expect(jobs.map(repositoryOf)).toEqual(['a/one', 'a/two']);
    expect(jobs.map((j) => j.attempts)).toEqual([0, 0]);
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 1, leased: 2 });
  });

  it('never gives one job to two concurrent receivers', async () => {
    // Prepare: five receivers on one table, all reading the same backlog.
    const { queue, tableName } = await freshQueue();
    const total = 40;
    for (let i = 0; i < total; i++) await queue.send(request(`many/${i}`));
    const receivers = Array.from(
      { length: 5 },
      () =>
        new DynamoJobQueue({
          client: dynamo.documentClient,
          tableName,
          clock: new TestClock(),
        })
    );
    // Act
    const got: string[] = [];
    await Promise.all(
      receivers.map(async (receiver) => {
        for (;;) {
          const jobs = await receiver.receive(6, 600);
          if (jobs.length === 0) return;
          got.push(...jobs.map((j) => j.id));
        }
      })
    );
    // Assess
    expect(got).toHaveLength(total);
    expect(new Set(got).size).toBe(total);
  });

  it('reports a missing table as a config error', async () => {
    // Prepare
    const queue = new DynamoJobQueue({
      client: dynamo.documentClient,
      tableName: 'no-such-table',
    });
    // Act / Assess
    await expect(queue.send(request('team/app'))).rejects.toMatchObject({
      code: 'config',
    });
  });
});

describe('DynamoJobQueue on the embedded store', () => {
  let dir: string;
  const children: ChildProcess[] = [];

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'archscan-queue-'));
  });

  afterAll(async () => {
    // A child left running by a failed test is stopped here.
    for (const child of children) {
      if (child.exitCode === null && child.signalCode === null) {
        child.kill('SIGKILL');
      }
    }
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps queued and leased jobs across a close and restart', async () => {
    // Prepare
    const path = join(dir, 'restart');
    const before = await startEmbeddedDynamo({ dir: path });
    const first = new DynamoJobQueue(before);
    await first.send(request('keep/leased'));
    await first.send(request('keep/queued'));
    await first.receive(1, 3600);
    await before.close();
    // Act
    const after = await startEmbeddedDynamo({ dir: path });
    const second = new DynamoJobQueue(after);
    const released = await second.releaseLeases();
    const jobs = await second.receive(10, 60);
    await after.close();
    // Assess
    expect(released).toBe(1);
    expect(jobs.map(repositoryOf)).toEqual(['keep/leased', 'keep/queued']);
  });

  it('gives back the job a killed process had leased, once', async () => {
    // Prepare: a child process queues two jobs, leases one, and is killed.
    const path = join(dir, 'killed');
    const child = spawn(
      process.execPath,
      [
        '--import',
        'tsx',
        fileURLToPath(
          new URL('../../../support/lease-and-wait.ts', import.meta.url)
        ),
        path,
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] }
    );
    children.push(child);
    const exited = new Promise((done) => child.once('exit', done));
    const lines = createInterface({ input: child.stdout });
    const leasedId = await new Promise<string>((done, fail) => {
      lines.once('line', done);
      child.once('exit', () => fail(new Error('child exited before leasing')));
    });
    // Act
    child.kill('SIGKILL');
    await exited;
    const dynamo = await startEmbeddedDynamo({ dir: path });
    const queue = new DynamoJobQueue(dynamo);
    await queue.releaseLeases();
    const jobs = await queue.receive(10, 60);
    const more = await queue.receive(10, 60);
    await dynamo.close();
    // Assess
    expect(jobs.map((j) => j.id)).toContain(leasedId);
    expect(jobs.map(repositoryOf)).toEqual(['child/leased', 'child/queued']);
    expect(more).toEqual([]);
  });
});
