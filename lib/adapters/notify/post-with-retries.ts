/**
 * One JSON `POST` to a notification receiver (a Slack incoming webhook, a
 * generic HTTPS webhook), with the retry rules they share (reference
 * aws-notifications.md §2.1): 2xx is success; 429 (with `Retry-After`),
 * 5xx and a failed connection are retried with backoff; every other status
 * is permanent. The URL may carry a secret, so errors only ever show the
 * redacted form the caller supplies, and the receiver's error body is cut
 * and scrubbed of the URL before it is quoted.
 */
import { NotifyError } from '../../engine/errors.js';

/** How often and how long to try. Every field is optional. */
export interface RetryOptions {
  /** Total tries, the first included. */
  readonly attempts?: number;
  /** Delay before the first retry of a 5xx or a cut connection, in ms. */
  readonly initialDelayMs?: number;
  /** Upper bound of one backoff delay, in ms. */
  readonly maxDelayMs?: number;
  /** Longest `Retry-After` honoured, in ms; longer requests wait this long. */
  readonly maxRetryAfterMs?: number;
  /** Time allowed for one request, in ms. */
  readonly timeoutMs?: number;
  /** Waits between tries; injectable so tests need not sleep. */
  readonly sleep?: (ms: number) => Promise<void>;
}

/** The defaults, tuned for Slack and shared by generic webhooks. */
export const RETRY_DEFAULTS: Readonly<Required<RetryOptions>> = Object.freeze({
  // Slack allows about one message per second per channel with bursts; four
  // tries cover a burst without holding a Lambda for long.
  attempts: 4,
  // 1 s, then 2 s, 4 s: receivers' 5xx (Slack's `rollup_error`) are usually brief.
  initialDelayMs: 1_000,
  maxDelayMs: 8_000,
  // Past 30 s a notifier is better off failing and being retried by its
  // caller (SNS async invocation, the serve queue) than waiting.
  maxRetryAfterMs: 30_000,
  // Receivers answer in well under a second; 10 s means one is not answering.
  timeoutMs: 10_000,
  sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)),
});

/** One request to make, and how to speak of its receiver. */
export interface JsonPost {
  /** The full URL, secret parts included. */
  readonly url: string;
  /** The URL as it may be shown (see `redactWebhookUrl`). */
  readonly redactedUrl: string;
  /** What the receiver is called in messages: `slack webhook`. */
  readonly label: string;
  /** What to change when the receiver refuses for good. */
  readonly permanentAdvice: string;
  readonly headers: Readonly<Record<string, string>>;
  /** The exact bytes sent on every try (signatures cover them). */
  readonly body: string | Uint8Array;
}

// Receivers' error bodies worth quoting are short tokens or sentences.
const MAX_ERROR_BODY = 120;

/** Merges `options` over {@link RETRY_DEFAULTS}, ignoring undefined fields. */
export function retryPolicy(
  options: RetryOptions = {}
): Required<RetryOptions> {
  const defined = Object.fromEntries(
    Object.entries(options).filter(([, value]) => value !== undefined)
  );
  return { ...RETRY_DEFAULTS, ...defined };
}

/**
 * Posts `post.body`, retrying throttling and receiver-side failures.
 *
 * @throws NotifyError naming the receiver's answer (permanent 4xx), or
 *   retryable when tries ran out on 429, 5xx or a failed connection.
 * @example
 * await postWithRetries(
 *   { url, redactedUrl: redactWebhookUrl(url), label: 'webhook',
 *     permanentAdvice: 'fix the receiver', headers: {}, body: '{}' },
 *   retryPolicy()
 * );
 */
export async function postWithRetries(
  post: JsonPost,
  policy: Required<RetryOptions>
): Promise<void> {
  const attempts = Math.max(1, Math.floor(policy.attempts));
  let failure: Failure | undefined;
  for (let attempt = 1; attempt <= attempts; attempt++) {
    if (failure) await policy.sleep(delay(attempt - 1, failure, policy));
    failure = await send(post, policy.timeoutMs);
    if (!failure) return;
    if (!failure.error.retryable) throw failure.error;
  }
  throw failure!.error;
}

/** A failed try: the error, and how long the receiver asked us to wait. */
interface Failure {
  readonly error: NotifyError;
  readonly retryAfterMs?: number;
}

/** The receiver's `Retry-After` when it sent one (capped), else exponential backoff. */
function delay(
  retry: number,
  failure: Failure,
  policy: Required<RetryOptions>
): number {
  if (failure.retryAfterMs !== undefined) {
    return Math.min(failure.retryAfterMs, policy.maxRetryAfterMs);
  }
  const backoff = policy.initialDelayMs * 2 ** (retry - 1);
  return Math.min(backoff, policy.maxDelayMs);
}

async function send(
  post: JsonPost,
  timeoutMs: number
): Promise<Failure | undefined> {
  let response: Response;
  try {
    response = await fetch(post.url, {
      method: 'POST',
      headers: post.headers,
      body: post.body,
      signal: AbortSignal.timeout(timeoutMs),
      redirect: 'error',
    });
  } catch (error) {
    // The fetch error and its cause may spell out the URL: keep only the
    // kind of failure, never the error object itself.
    const reason = error instanceof Error ? error.name : 'unknown error';
    return {
      error: new NotifyError(
        `could not reach ${post.label} ${post.redactedUrl}: ${reason}`,
        { diagnostics: [reason], retryable: true }
      ),
    };
  }
  const text = scrub(await response.text().catch(() => ''), post);
  if (response.ok) return undefined;
  const status = response.status;
  const retryable = status === 429 || status >= 500;
  const error = new NotifyError(
    `${post.label} ${post.redactedUrl} answered ${status}` +
      (text ? ` ${text}` : '') +
      (retryable ? '' : `: ${post.permanentAdvice}, retrying will not help`),
    { status, diagnostics: text ? [text] : [], retryable }
  );
  const retryAfterMs =
    status === 429
      ? parseRetryAfter(response.headers.get('retry-after'))
      : undefined;
  return retryAfterMs === undefined ? { error } : { error, retryAfterMs };
}

/** The receiver's error text, cut, without control characters or the URL. */
function scrub(text: string, post: JsonPost): string {
  const clean = text
    .split(post.url)
    .join(post.redactedUrl)
    .replace(/[^\x20-\x7e]+/g, ' ')
    .trim();
  return clean.length > MAX_ERROR_BODY
    ? `${clean.slice(0, MAX_ERROR_BODY)}…`
    : clean;
}

/** `Retry-After` as milliseconds: seconds only (what Slack and most receivers send). */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1_000;
}
