/**
 * The `JobQueue` port: a `ScanQueue` the process itself drains, with
 * leases in the manner of SQS visibility timeouts. A received job is
 * invisible to other receivers until its lease ends; acknowledging deletes
 * it, a retry makes it visible again later. The worker pool of
 * `archscan serve` drives it; the implementation keeps jobs in the
 * archscan table (`DynamoJobQueue`), so accepted work survives restarts.
 */
import type { ScanQueue } from './scan-queue.js';

/** One leased job. */
export interface Job {
  /** Time-ordered id: sorting ids sorts jobs by enqueue time. */
  readonly id: string;
  /** The scan request, as JSON text (parsed by the worker, not the queue). */
  readonly body: string;
  /** Failed tries recorded so far (by `retry`). */
  readonly attempts: number;
  /** Times the job was leased, this lease included (as SQS counts receives). */
  readonly receives: number;
  /** When the job was first queued (ISO 8601). */
  readonly enqueuedAt: string;
  /** The error of the last failed try. */
  readonly lastError?: string;
  /** This lease's token: a job leased again by someone else has another. */
  readonly leaseId: string;
  /** When this lease ends (epoch ms); the job is visible again from then. */
  readonly visibleAt: number;
}

/** How many jobs are waiting and running. */
export interface QueueDepth {
  /** Visible now (including jobs whose lease ran out). */
  readonly ready: number;
  /** Waiting for a delay (sent with one, or retried with backoff). */
  readonly delayed: number;
  /** Leased and not yet acknowledged. */
  readonly leased: number;
}

export interface JobQueue extends ScanQueue {
  /**
   * Leases up to `max` jobs visible now, oldest first, for `leaseSeconds`.
   * Two receivers never get the same job while its lease lasts.
   */
  receive(max: number, leaseSeconds: number): Promise<Job[]>;
  /** Deletes a finished job, whoever holds it now (its work is done). */
  ack(job: Job): Promise<void>;
  /**
   * Makes a job visible again after `delaySeconds`, counting one more
   * failed attempt and keeping `error` (truncated) as `lastError`.
   * Resolves false when the lease was lost (the job is someone else's, or gone).
   */
  retry(job: Job, delaySeconds: number, error: string): Promise<boolean>;
  /**
   * Lengthens a lease that is still held to `leaseSeconds` from now.
   * Resolves the job with its new lease, or undefined when it was lost.
   */
  extend(job: Job, leaseSeconds: number): Promise<Job | undefined>;
  /**
   * Makes every leased job visible now, without counting an attempt. Only
   * for a single owner at start-up: the leases belong to a process that
   * has stopped. Resolves how many jobs were released.
   */
  releaseLeases(): Promise<number>;
  depth(): Promise<QueueDepth>;
}
