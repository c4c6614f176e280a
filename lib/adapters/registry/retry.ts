/**
 * Retrying transient registry failures: 429, 5xx and cut connections are
 * repeated with exponential backoff and jitter, and a `Retry-After` header
 * (RFC 9110 §10.2.3: delay-seconds or an HTTP date) is honoured up to a
 * cap. Defaults follow go-containerregistry `pkg/v1/remote/options.go`
 * (`defaultRetryBackoff`, `defaultRetryStatusCodes`); each has its reason.
 */
import { RegistryError, ScannerError } from '../../engine/errors.js';

/** How transient failures are retried. Every field is optional. */
export interface RetryOptions {
  /** Total tries per request, the first included. */
  readonly attempts?: number;
  /** Delay before the first retry, in milliseconds. */
  readonly initialDelayMs?: number;
  /** Multiplier applied to the delay after each retry. */
  readonly factor?: number;
  /** Upper bound of one backoff delay, in milliseconds. */
  readonly maxDelayMs?: number;
  /** Random spread of each delay, as a fraction (0.1 = ±10 %). */
  readonly jitter?: number;
  /** Longest `Retry-After` wait honoured, in milliseconds. */
  readonly maxRetryAfterMs?: number;
  /** Waits; injectable so tests need not sleep. */
  readonly sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** Source of randomness for jitter, in [0, 1). */
  readonly random?: () => number;
  /** Current time in ms since the epoch, for HTTP-date `Retry-After`. */
  readonly now?: () => number;
}

/** Retry options with every default filled in. */
export type RetryPolicy = Required<RetryOptions>;

/** The defaults, each with the reason it was chosen. */
export const DEFAULT_RETRY: RetryPolicy = Object.freeze({
  // go-containerregistry retries 3 times; a scan is not interactive, but a
  // registry that fails four times in a row is down, not flaky.
  attempts: 4,
  // 1 s is long enough for a load balancer to drop a bad backend.
  initialDelayMs: 1_000,
  // Factor 3 (as go-containerregistry) gives 1 s, 3 s, 9 s: 13 s in all,
  // well inside a Lambda timeout.
  factor: 3,
  // Never wait longer than this between tries of one request.
  maxDelayMs: 30_000,
  // ±10 % (as go-containerregistry) keeps parallel scans from retrying in step.
  jitter: 0.1,
  // Docker Hub may ask for hours; past a minute, failing is more useful.
  maxRetryAfterMs: 60_000,
  sleep,
  random: Math.random,
  now: Date.now,
});

/** Fills in defaults for the fields `options` leaves out. */
export function resolveRetry(options: RetryOptions = {}): RetryPolicy {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined)
  );
  const policy = { ...DEFAULT_RETRY, ...defined } as RetryPolicy;
  return { ...policy, attempts: Math.max(1, Math.floor(policy.attempts)) };
}

/** True for statuses worth repeating: 408, 429 and every 5xx except 501. */
export function isRetryableStatus(status: number): boolean {
  if (status === 408 || status === 429) return true;
  return status >= 500 && status <= 599 && status !== 501;
}

/**
 * The backoff before retry number `retry` (1 for the first retry):
 * `initialDelayMs × factor^(retry-1)`, capped, then spread by jitter.
 *
 * @example backoffDelay(2, resolveRetry({ jitter: 0 })) // 3000
 */
export function backoffDelay(retry: number, policy: RetryPolicy): number {
  const base = Math.min(
    policy.maxDelayMs,
    policy.initialDelayMs * policy.factor ** Math.max(0, retry - 1)
  );
  const spread = base * policy.jitter * (2 * policy.random() - 1);
  return Math.max(0, Math.round(base + spread));
}

/**
 * Parses `Retry-After` into milliseconds from `now`: delay-seconds or an
 * HTTP date. Undefined when absent or unparseable; 0 for dates in the past.
 *
 * @example parseRetryAfter('2', Date.now()) // 2000
 */
export function parseRetryAfter(
  value: string | undefined,
  now: number
): number | undefined {
  const text = value?.trim();
  if (!text) return undefined;
  if (/^\d+$/.test(text)) return Number(text) * 1000;
  if (!/[a-z]/i.test(text)) return undefined;
  const date = Date.parse(text);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

/** The wait before the next try: `Retry-After` when given (capped), else backoff. */
export function retryDelay(
  retry: number,
  retryAfterMs: number | undefined,
  policy: RetryPolicy
): number {
  if (retryAfterMs === undefined) return backoffDelay(retry, policy);
  return Math.min(retryAfterMs, policy.maxRetryAfterMs);
}

/** The outcome of one try: a value, or a retryable error with an optional server-given wait. */
export type Attempt<T> =
  | { readonly value: T }
  | { readonly error: RegistryError; readonly retryAfterMs?: number };

/**
 * Runs `operation` until it yields a value, retrying returned errors that
 * are `retryable` and thrown `RegistryError`s that are `retryable`.
 * Anything else is thrown at once; the last error is thrown when the
 * attempts run out.
 */
export async function retry<T>(
  policy: RetryPolicy,
  signal: AbortSignal | undefined,
  operation: (attempt: number) => Promise<Attempt<T>>
): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    let outcome: Attempt<T>;
    try {
      outcome = await operation(attempt);
    } catch (error) {
      if (!isRetryable(error) || attempt >= policy.attempts) throw error;
      await policy.sleep(backoffDelay(attempt, policy), signal);
      continue;
    }
    if ('value' in outcome) return outcome.value;
    if (!outcome.error.retryable || attempt >= policy.attempts) {
      throw outcome.error;
    }
    await policy.sleep(
      retryDelay(attempt, outcome.retryAfterMs, policy),
      signal
    );
  }
}

/** True for a `RegistryError` that says repeating may help. */
export function isRetryable(error: unknown): error is RegistryError {
  return error instanceof RegistryError && error.retryable;
}

/** The error thrown when a wait or request is cancelled. */
export function abortedError(signal?: AbortSignal): ScannerError {
  return new ScannerError('aborted', 'the registry request was aborted', {
    cause: signal?.reason,
  });
}

/**
 * Resolves after `ms` milliseconds; rejects with an `aborted` ScannerError
 * as soon as `signal` fires.
 */
export function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  if (signal?.aborted) return Promise.reject(abortedError(signal));
  return new Promise((resolve, reject) => {
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortedError(signal));
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
