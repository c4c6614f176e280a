import fc from 'fast-check';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DynamoJobQueue } from '../../../lib/adapters/local/dynamo-job-queue.js';
import { ConfigError, RegistryError } from '../../../lib/engine/errors.js';
import type { ScanRequest } from '../../../lib/engine/history/scan-request.js';
import type { ServeLog } from '../../../lib/serve/log.js';
import {
  backoffSeconds,
  MAX_UNFINISHED_RUNS,
  startWorkerPool,
  type WorkerPool,
  type WorkerPoolOptions,
} from '../../../lib/serve/worker-pool.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';

let dynamo: LocalDynamo;
const pools: WorkerPool[] = [];

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterEach(async () => {
  await Promise.all(pools.splice(0).map((pool) => pool.stop(0)));
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

async function freshQueue(): Promise<DynamoJobQueue> {
  const tableName = uniqueTableName('pool');
  await createArchscanTable(dynamo.client, tableName);
  return new DynamoJobQueue({ client: dynamo.documentClient, tableName });
}

/** A log that keeps its lines, for assertions. */
function recordingLog() {
  const lines: { level: string; message: string; fields: object }[] = [];
  const keep =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      lines.push({ level, message, fields: Object.assign({}, ...extra) });
  const log: ServeLog = {
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
  };
  return { log, lines };
}

/** Fast retries and polls: the tests wait for outcomes, never for times. */
function start(
  options: Pick<WorkerPoolOptions, 'queue' | 'process'> &
    Partial<WorkerPoolOptions>
): WorkerPool {
  const pool = startWorkerPool({
    concurrency: 1,
    maxAttempts: 3,
    leaseSeconds: 60,
    pollMs: 10,
    backoff: { baseSeconds: 0.01, maxSeconds: 0.02 },
    onPoison: async () => {},
    log: recordingLog().log,
    ...options,
  });
  pools.push(pool);
  return pool;
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

function gate() {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => {
    open = resolve;
  });
  return { open, opened };
}

describe('startWorkerPool', () => {
  it('never runs more than `concurrency` jobs at once, and each job once', async () => {
    // Prepare
    const queue = await freshQueue();
    for (let i = 0; i < 8; i++) await queue.send(request(`team/app-${i}`));
    let inFlight = 0;
    let most = 0;
    const seen: string[] = [];
    // Act
    const pool = start({
      queue,
      concurrency: 3,
      process: async (req) => {
        inFlight++;
        most = Math.max(most, inFlight);
        seen.push(req.repository);
        await sleep(30);
        inFlight--;
      },
    });
    await pool.idle();
    // Assess
    expect(most).toBe(3);
    expect(seen.sort()).toEqual(
      Array.from({ length: 8 }, (_, i) => `team/app-${i}`).sort()
    );
    expect(pool.stats()).toMatchObject({ running: 0, completed: 8 });
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
  });

  it('retries a failing job with backoff, then hands it to onPoison and drops it', async () => {
    // Prepare
    const queue = await freshQueue();
    await queue.send(request('team/broken'));
    const { log, lines } = recordingLog();
    const poisoned = gate();
    const poison: unknown[][] = [];
    let tries = 0;
    // Act
    const pool = start({
      queue,
      log,
      maxAttempts: 3,
      process: async () => {
        tries++;
        throw new RegistryError('registry answered 503', { retryable: true });
      },
      onPoison: async (...args) => {
        poison.push(args);
        poisoned.open();
      },
    });
    await poisoned.opened;
    await pool.idle();
    // Assess
    expect(tries).toBe(3);
    expect(poison).toEqual([
      [JSON.stringify(request('team/broken')), 3, 'registry answered 503'],
    ]);
    expect(pool.stats()).toMatchObject({ retried: 2, poisoned: 1 });
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
    expect(lines.filter((l) => l.level === 'warn')).toHaveLength(2);
    expect(lines.at(-1)).toMatchObject({
      level: 'error',
      message: 'scan request set aside after failing',
      fields: { attempts: 3 },
    });
  });

  it('finishes a job that succeeds on a later try', async () => {
    // Prepare
    const queue = await freshQueue();
    await queue.send(request('team/flaky'));
    let tries = 0;
    const done = gate();
    // Act
    const pool = start({
      queue,
      process: async () => {
        tries++;
        if (tries === 1) throw new RegistryError('connection reset');
        done.open();
      },
    });
    await done.opened;
    await pool.idle();
    // Assess
    expect(tries).toBe(2);
    expect(pool.stats()).toMatchObject({
      completed: 1,
      retried: 1,
      poisoned: 0,
    });
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
  });

  it('sets aside a body that is no scan request without processing it', async () => {
    // Prepare
    const queue = await freshQueue();
    await queue.send({ ...request('team/app'), version: 9 } as never);
    const poison: unknown[][] = [];
    let tries = 0;
    // Act
    const pool = start({
      queue,
      process: async () => {
        tries++;
      },
      onPoison: async (...args) => {
        poison.push(args);
      },
    });
    await pool.idle();
    // Assess
    expect(tries).toBe(0);
    expect(poison).toHaveLength(1);
    expect(poison[0]?.[1]).toBe(1);
    expect(poison[0]?.[2]).toMatch(/neither a scan request nor an ECR push/);
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
  });

  it('runs a job that a few stops interrupted', async () => {
    // Prepare: nine runs ended without an outcome
    const queue = await freshQueue();
    await queue.send(request('team/patient'));
    for (let i = 0; i < MAX_UNFINISHED_RUNS - 1; i++) {
      await queue.receive(1, 60);
      await queue.releaseLeases();
    }
    let runs = 0;
    // Act
    const pool = start({
      queue,
      maxAttempts: 2,
      process: async () => {
        runs++;
      },
    });
    await pool.idle();
    // Assess
    expect(runs).toBe(1);
  });

  it('takes a job whose runs keep ending with the process for poison, without running it again', async () => {
    // Prepare: ten runs each ended by a crash (leased, then released at start-up)
    const queue = await freshQueue();
    await queue.send(request('team/crasher'));
    for (let i = 0; i < MAX_UNFINISHED_RUNS; i++) {
      await queue.receive(1, 60);
      await queue.releaseLeases();
    }
    let runs = 0;
    const poisoned: string[] = [];
    // Act
    const pool = start({
      queue,
      maxAttempts: 2,
      process: async () => {
        runs++;
      },
      onPoison: async (_body, _attempts, error) => {
        poisoned.push(error);
      },
    });
    await pool.idle();
    // Assess
    expect(runs).toBe(0);
    expect(poisoned).toEqual([
      expect.stringMatching(/10 runs of this request ended without an outcome/),
    ]);
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
  });

  it('keeps a job whose failure could not be recorded', async () => {
    // Prepare
    const queue = await freshQueue();
    await queue.send(request('team/broken'));
    let calls = 0;
    const second = gate();
    // Act
    const pool = start({
      queue,
      maxAttempts: 1,
      process: async () => {
        throw new RegistryError('registry answered 500');
      },
      onPoison: async () => {
        calls++;
        if (calls === 1) throw new RegistryError('store unavailable');
        second.open();
      },
    });
    await second.opened;
    await pool.idle();
    // Assess
    expect(calls).toBe(2);
    expect(pool.stats()).toMatchObject({ poisoned: 1 });
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
  });

  it('on stop, lets running jobs finish within the grace period and leases nothing new', async () => {
    // Prepare
    const queue = await freshQueue();
    await queue.send(request('team/first'));
    await queue.send(request('team/second'));
    const started = gate();
    const release = gate();
    let aborted = false;
    const pool = start({
      queue,
      concurrency: 1,
      process: async (_req, signal) => {
        started.open();
        await release.opened;
        aborted = signal.aborted;
      },
    });
    await started.opened;
    // Act
    const stopped = pool.stop(60_000);
    release.open();
    await stopped;
    // Assess
    expect(aborted).toBe(false);
    expect(pool.stats()).toMatchObject({ completed: 1, running: 0 });
    expect(await queue.depth()).toEqual({ ready: 1, delayed: 0, leased: 0 });
  });

  it('on stop, aborts jobs still running after the grace period and leaves them queued', async () => {
    // Prepare
    const queue = await freshQueue();
    await queue.send(request('team/one'));
    await queue.send(request('team/two'));
    let running = 0;
    const bothRunning = gate();
    const pool = start({
      queue,
      concurrency: 2,
      process: (_req, signal) =>
        new Promise((_resolve, reject) => {
          running++;
          if (running === 2) bothRunning.open();
          signal.addEventListener('abort', () => reject(signal.reason));
        }),
    });
    await bothRunning.opened;
    // Act
    await pool.stop(20);
    const depth = await queue.depth();
    const released = await queue.releaseLeases();
    const [again] = await queue.receive(1, 60);
    // Assess
    expect(depth).toEqual({ ready: 0, delayed: 0, leased: 2 });
    expect(released).toBe(2);
    expect(again?.attempts).toBe(0);
    expect(pool.stats()).toMatchObject({ completed: 0, retried: 0 });
  });

  it('renews the lease of a long job so no second worker takes it', async () => {
    // Prepare: two pools on one queue, leases shorter than the job.
    const queue = await freshQueue();
    await queue.send(request('team/long'));
    const runs: string[] = [];
    const done = gate();
    const options = {
      queue,
      leaseSeconds: 1,
      process: async (req: ScanRequest) => {
        runs.push(req.repository);
        await sleep(2500);
        done.open();
      },
    };
    // Act
    const first = start(options);
    const second = start(options);
    await done.opened;
    await Promise.all([first.idle(), second.idle()]);
    // Assess
    expect(runs).toEqual(['team/long']);
    expect(await queue.depth()).toEqual({ ready: 0, delayed: 0, leased: 0 });
  });

  it('refuses a concurrency or attempt count below one', async () => {
    // Prepare
    const queue = await freshQueue();
    const base = { queue, process: async () => {} };
    // Act / Assess
    expect(() => start({ ...base, concurrency: 0 })).toThrow(ConfigError);
    expect(() => start({ ...base, maxAttempts: 1.5 })).toThrow(
      'queue.maxAttempts is 1.5; set a whole number of at least 1'
    );
    expect(() => start({ ...base, leaseSeconds: 0 })).toThrow(ConfigError);
  });
});

describe('backoffSeconds', () => {
  it.each([
    [1, 0, 1],
    [1, 0.999, 1.998],
    [2, 0, 2],
    [3, 0.5, 6],
    [9, 0, 150],
    [9, 0.999, 299.85],
    [50, 0, 150],
  ])('attempt %i with random %f waits %f s', (attempt, r, expected) => {
    expect(backoffSeconds(attempt, { random: () => r })).toBeCloseTo(expected);
  });

  it('stays within the upper half of the capped exponential', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, r) => {
          const ceiling = Math.min(300, 2 * 2 ** (attempt - 1));
          const delay = backoffSeconds(attempt, { random: () => r });
          return delay >= ceiling / 2 && delay <= ceiling;
        }
      )
    );
  });
});
