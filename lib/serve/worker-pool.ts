/**
 * The scan workers of `archscan serve`: a loop that leases jobs from the
 * durable queue and runs at most `concurrency` of them at once, the local
 * counterpart of the SQS event source and its redrive policy.
 *
 * - A job is acknowledged as soon as its processing returns; a crash in
 *   between repeats the work, and the use case's duplicate check (a digest
 *   scanned within the hour is not scanned again) keeps it from being
 *   scanned twice.
 * - A throw is retried with jittered exponential backoff; after
 *   `maxAttempts` tries the job is handed to `onPoison` (which records an
 *   `error` scan) and acknowledged. A body that is not a scan request can
 *   never succeed and goes to `onPoison` at once.
 * - A lease is renewed every half lease while its job runs, so a long scan
 *   is never handed to a second worker.
 * - `stop` stops leasing, lets running jobs finish for a grace period, then
 *   aborts them; their jobs stay in the queue (leased, so released at the
 *   next start-up by `releaseLeases`) and nothing counts as an attempt.
 */
import { ConfigError, toScannerError } from '../engine/errors.js';
import {
  requestReference,
  type ScanRequest,
} from '../engine/history/scan-request.js';
import type { Job, JobQueue } from '../ports/job-queue.js';
import { parseQueueMessage } from '../usecases/parse-message.js';
import type { ServeLog } from './log.js';

/**
 * Default lease: longer than most scans, so a missed renewal (a stalled
 * event loop) rarely hands a job out twice; short enough that a job of a
 * process that died without a restart comes back within minutes.
 */
export const DEFAULT_LEASE_SECONDS = 300;
/** Default pause between looks at an empty queue: webhooks wait at most this long. */
export const DEFAULT_POLL_MS = 1000;
/** First retry after about 2 s; doubling up to 5 min, as SQS redelivery would space them. */
export const DEFAULT_BACKOFF = { baseSeconds: 2, maxSeconds: 300 } as const;
/** After the grace period, how long aborted jobs get to unwind before `stop` returns anyway. */
const ABORT_SETTLE_MS = 5000;

/** Retry delays: `min(max, base·2^(attempt-1))`, the upper half of it at random ("equal jitter"). */
export interface BackoffOptions {
  readonly baseSeconds?: number;
  readonly maxSeconds?: number;
  /** Uniform in [0, 1); `Math.random` by default. */
  readonly random?: () => number;
}

/** Options of {@link startWorkerPool}. */
export interface WorkerPoolOptions {
  readonly queue: Pick<JobQueue, 'receive' | 'ack' | 'retry' | 'extend'>;
  /** Handles one request (e.g. `processScanRequest` with its deps); a throw means retry. */
  readonly process: (
    request: ScanRequest,
    signal: AbortSignal
  ) => Promise<unknown>;
  /** Jobs running at once (at least 1). */
  readonly concurrency: number;
  /** Tries before a job is handed to `onPoison` (at least 1). */
  readonly maxAttempts: number;
  /** @default DEFAULT_LEASE_SECONDS */
  readonly leaseSeconds?: number;
  /** @default DEFAULT_POLL_MS */
  readonly pollMs?: number;
  /** @default DEFAULT_BACKOFF */
  readonly backoff?: BackoffOptions;
  /** Records a job that will not be tried again (e.g. `recordPoisonMessage`). */
  readonly onPoison: (
    body: string,
    attempts: number,
    lastError: string
  ) => Promise<void>;
  readonly log: ServeLog;
}

/** Counters since the pool started. */
export interface WorkerPoolStats {
  /** Jobs processing now. */
  readonly running: number;
  /** Jobs processed and acknowledged. */
  readonly completed: number;
  /** Failed tries put back for another attempt. */
  readonly retried: number;
  /** Jobs handed to `onPoison` and acknowledged. */
  readonly poisoned: number;
  /** Queue messages that ask for no scan (e.g. an ECR event that is not a push). */
  readonly ignored: number;
}

export interface WorkerPool {
  /**
   * Stops leasing, waits up to `graceMs` for running jobs, then aborts
   * them (their jobs stay queued). Safe to call twice.
   */
  stop(graceMs: number): Promise<void>;
  /**
   * Resolves once a look at the queue that started after this call found
   * nothing ready and nothing was running (jobs waiting for a delay do not
   * count), or once the pool is stopped. For tests and `--once` runs.
   */
  idle(): Promise<void>;
  stats(): WorkerPoolStats;
}

/**
 * The delay before retry number `attempt` (1 = after the first failure).
 *
 * @example backoffSeconds(1) // between 1 and 2
 */
export function backoffSeconds(
  attempt: number,
  options: BackoffOptions = {}
): number {
  const base = options.baseSeconds ?? DEFAULT_BACKOFF.baseSeconds;
  const max = options.maxSeconds ?? DEFAULT_BACKOFF.maxSeconds;
  const random = options.random ?? Math.random;
  const ceiling = Math.min(max, base * 2 ** Math.max(0, attempt - 1));
  return ceiling / 2 + (random() * ceiling) / 2;
}

/**
 * Runs of one job that may end without an outcome (the process stopped or
 * died during each) before the job is taken for what kills the process.
 * Generous: a graceful stop during a long scan counts too.
 */
export const MAX_UNFINISHED_RUNS = 10;

/**
 * Starts the workers; they run until {@link WorkerPool.stop}. Call the
 * queue's `releaseLeases` before, once, at start-up.
 *
 * @example
 * const pool = startWorkerPool({
 *   queue,
 *   process: (request, signal) =>
 *     processScanRequest(request, deps, { ...options, scan: { signal } }),
 *   concurrency: 2,
 *   maxAttempts: 5,
 *   onPoison: async (body, attempts) => {
 *     await recordPoisonMessage(body, attempts, deps);
 *   },
 *   log,
 * });
 * process.once('SIGTERM', () => void pool.stop(30_000));
 * @throws ConfigError when `concurrency`, `maxAttempts` or `leaseSeconds` is out of range.
 */
export function startWorkerPool(options: WorkerPoolOptions): WorkerPool {
  requireWhole(options.concurrency, 'queue.concurrency');
  requireWhole(options.maxAttempts, 'queue.maxAttempts');
  const leaseSeconds = options.leaseSeconds ?? DEFAULT_LEASE_SECONDS;
  if (!(leaseSeconds > 0)) {
    throw new ConfigError(
      `lease of ${leaseSeconds} s is not positive; use a lease longer than a typical scan`
    );
  }
  return new Pool(options, leaseSeconds).start();
}

function requireWhole(value: number, name: string): void {
  if (!Number.isInteger(value) || value < 1) {
    throw new ConfigError(
      `${name} is ${value}; set a whole number of at least 1`
    );
  }
}

interface IdleWaiter {
  /** Looks at the queue started before the waiter came do not count. */
  readonly after: number;
  readonly resolve: () => void;
}

class Pool implements WorkerPool {
  private readonly running = new Set<Promise<void>>();
  private readonly abort = new AbortController();
  private readonly counts = {
    completed: 0,
    retried: 0,
    poisoned: 0,
    ignored: 0,
  };
  private idleWaiters: IdleWaiter[] = [];
  private looks = 0;
  private stopping = false;
  private stopped: Promise<void> | undefined;
  private wake: (() => void) | undefined;
  private loopDone: Promise<void> = Promise.resolve();

  constructor(
    private readonly options: WorkerPoolOptions,
    private readonly leaseSeconds: number
  ) {}

  start(): this {
    this.loopDone = this.loop();
    return this;
  }

  stats(): WorkerPoolStats {
    return { running: this.running.size, ...this.counts };
  }

  idle(): Promise<void> {
    if (this.stopping) return Promise.resolve();
    return new Promise((resolve) =>
      this.idleWaiters.push({ after: this.looks, resolve })
    );
  }

  stop(graceMs: number): Promise<void> {
    this.stopped ??= this.shutdown(graceMs);
    return this.stopped;
  }

  private async shutdown(graceMs: number): Promise<void> {
    this.stopping = true;
    this.wake?.();
    await this.loopDone;
    const settled = Promise.allSettled([...this.running]);
    const finished = await within(settled, graceMs);
    if (!finished) {
      this.options.log.warn('stopping: aborting running scans', {
        running: this.running.size,
        graceMs,
      });
      this.abort.abort();
      await within(settled, ABORT_SETTLE_MS);
    }
    for (const waiter of this.idleWaiters) waiter.resolve();
    this.idleWaiters = [];
  }

  private async loop(): Promise<void> {
    const { queue, log, concurrency } = this.options;
    const pollMs = this.options.pollMs ?? DEFAULT_POLL_MS;
    while (!this.stopping) {
      const free = concurrency - this.running.size;
      if (free <= 0) {
        await this.pause(Number.POSITIVE_INFINITY);
        continue;
      }
      const look = ++this.looks;
      let jobs: Job[];
      try {
        jobs = await queue.receive(free, this.leaseSeconds);
      } catch (error) {
        log.error('cannot read the job queue; trying again', {
          error: toScannerError(error).message,
        });
        await this.pause(pollMs);
        continue;
      }
      // Jobs leased while stopping stay leased: the next start releases them.
      if (this.stopping) break;
      for (const job of jobs) this.launch(job);
      if (jobs.length === 0 && this.running.size === 0) this.settleIdle(look);
      if (jobs.length < free) await this.pause(pollMs);
    }
  }

  /** Waits `ms`, or less when a slot frees or the pool stops. */
  private pause(ms: number): Promise<void> {
    return new Promise((resolve) => {
      let timer: NodeJS.Timeout | undefined;
      const done = () => {
        clearTimeout(timer);
        this.wake = undefined;
        resolve();
      };
      if (Number.isFinite(ms)) timer = setTimeout(done, ms);
      this.wake = done;
    });
  }

  private settleIdle(look: number): void {
    const ready = this.idleWaiters.filter((w) => w.after < look);
    this.idleWaiters = this.idleWaiters.filter((w) => w.after >= look);
    for (const waiter of ready) waiter.resolve();
  }

  private launch(job: Job): void {
    const task: Promise<void> = this.run(job)
      .catch((error: unknown) => {
        // The job keeps its lease and comes back when it ends.
        this.options.log.error('job left unfinished in the queue', {
          job: job.id,
          error: toScannerError(error).message,
        });
      })
      .finally(() => {
        this.running.delete(task);
        this.wake?.();
      });
    this.running.add(task);
  }

  private async run(job: Job): Promise<void> {
    const { queue, log } = this.options;
    let request: ScanRequest;
    try {
      const parsed = parseQueueMessage(job.body);
      if ('ignored' in parsed) {
        log.info('queued message asks for no scan', {
          job: job.id,
          reason: parsed.ignored,
        });
        await queue.ack(job);
        this.counts.ignored++;
        return;
      }
      request = parsed.request;
    } catch (error) {
      // A body that is not a request fails the same way on every try.
      await this.poison(job, job.attempts + 1, toScannerError(error).message);
      return;
    }
    const image = requestReference(request);
    // Receives never counted as attempts are runs the process did not
    // survive (a crash, SIGKILL, out of memory, or a stop): past a bound,
    // the job is taken for what kills the process, not retried for ever.
    // This run is one of the receives; every attempt that ended is another.
    const unfinished = job.receives - 1 - job.attempts;
    if (unfinished >= MAX_UNFINISHED_RUNS) {
      await this.poison(
        job,
        job.attempts,
        `${unfinished} runs of this request ended without an outcome (the process stopped during each)`
      );
      return;
    }
    const result = await this.withLease(job, () =>
      this.options.process(request, this.abort.signal)
    );
    if (result.ok) {
      await queue.ack(job);
      this.counts.completed++;
      log.info('scan request done', { job: job.id, image });
      return;
    }
    if (this.abort.signal.aborted) {
      log.warn('scan stopped; its job stays queued', { job: job.id, image });
      return;
    }
    await this.failed(job, image, toScannerError(result.error).message);
  }

  private async failed(job: Job, image: string, error: string): Promise<void> {
    const attempts = job.attempts + 1;
    if (attempts >= this.options.maxAttempts) {
      await this.poison(job, attempts, error);
      return;
    }
    const delaySeconds = backoffSeconds(attempts, this.options.backoff);
    this.options.log.warn('scan request failed; trying again later', {
      job: job.id,
      image,
      attempts,
      delaySeconds,
      error,
    });
    await this.options.queue.retry(job, delaySeconds, error);
    this.counts.retried++;
  }

  private async poison(
    job: Job,
    attempts: number,
    error: string
  ): Promise<void> {
    const { queue, log, onPoison } = this.options;
    try {
      await onPoison(job.body, attempts, error);
    } catch (failure) {
      // Not recorded: keep the job, so the failure is not lost either.
      log.error('cannot record a failed scan request; keeping it queued', {
        job: job.id,
        error: toScannerError(failure).message,
      });
      await queue.retry(
        job,
        backoffSeconds(attempts, this.options.backoff),
        error
      );
      return;
    }
    await queue.ack(job);
    this.counts.poisoned++;
    log.error('scan request set aside after failing', {
      job: job.id,
      attempts,
      error,
    });
  }

  /** Runs `work` while renewing the job's lease every half lease. */
  private async withLease(
    job: Job,
    work: () => Promise<unknown>
  ): Promise<{ ok: true } | { ok: false; error: unknown }> {
    const { queue, log } = this.options;
    const renew = setInterval(
      () => {
        queue.extend(job, this.leaseSeconds).then(
          (held) => {
            if (!held)
              log.warn('lease of a running job was lost', { job: job.id });
          },
          (error: unknown) =>
            log.warn('cannot renew the lease of a running job', {
              job: job.id,
              error: toScannerError(error).message,
            })
        );
      },
      (this.leaseSeconds * 1000) / 2
    );
    try {
      await work();
      return { ok: true };
    } catch (error) {
      return { ok: false, error };
    } finally {
      clearInterval(renew);
    }
  }
}

/** True when `promise` settles within `ms`; the timer never outlives the wait. */
async function within(promise: Promise<unknown>, ms: number): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<false>((resolve) => {
    timer = setTimeout(() => resolve(false), ms);
  });
  try {
    return await Promise.race([promise.then(() => true as const), late]);
  } finally {
    clearTimeout(timer);
  }
}
