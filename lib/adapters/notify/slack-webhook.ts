/**
 * Posting a message to a Slack incoming webhook (reference
 * aws-notifications.md §2.1): `POST` JSON, success is `200 ok`; 429 (with
 * `Retry-After`) and 5xx are retried with backoff, every other 4xx is
 * permanent and named by Slack's error body (`channel_not_found`,
 * `invalid_payload`, …). The webhook URL is the secret: it never appears in
 * an error or a log line, only its redacted form.
 */
import { NotifyError } from '../../engine/errors.js';
import type { SlackMessage } from '../../engine/notify/slack-blocks.js';

/** How the webhook is called. Every field but `url` is optional. */
export interface SlackWebhookOptions {
  /** The incoming-webhook URL (a secret). */
  readonly url: string;
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

const DEFAULTS = Object.freeze({
  // Slack allows about one message per second per channel with bursts; four
  // tries cover a burst without holding a Lambda for long.
  attempts: 4,
  // 1 s, then 2 s, 4 s: Slack's 5xx (`rollup_error`) are usually brief.
  initialDelayMs: 1_000,
  maxDelayMs: 8_000,
  // Past 30 s a notifier Lambda is better off failing and being retried by
  // SNS's async invocation than waiting.
  maxRetryAfterMs: 30_000,
  // Slack answers in well under a second; 10 s means it is not answering.
  timeoutMs: 10_000,
  sleep: (ms: number) => new Promise<void>((done) => setTimeout(done, ms)),
});

// Slack's error bodies are short tokens; anything longer is not one.
const MAX_ERROR_BODY = 120;

/**
 * The webhook URL with its secret path hidden:
 * `https://hooks.slack.com/services/…`.
 *
 * @example redactWebhookUrl('https://hooks.slack.com/services/T0/B0/x') // 'https://hooks.slack.com/services/…'
 */
export function redactWebhookUrl(url: string): string {
  try {
    const { origin, pathname } = new URL(url);
    const first = pathname.split('/')[1];
    return first ? `${origin}/${first}/…` : `${origin}/…`;
  } catch {
    return '(invalid webhook url)';
  }
}

/**
 * A Slack incoming webhook.
 *
 * @example
 * const slack = new SlackWebhook({ url: await getSecret(arn) });
 * await slack.post(buildSlackMessage(summary, { maxFindings: 10 }));
 */
export class SlackWebhook {
  readonly #url: string;
  readonly #policy: Required<Omit<SlackWebhookOptions, 'url'>>;

  constructor(options: SlackWebhookOptions) {
    this.#url = options.url;
    const defined = Object.fromEntries(
      Object.entries(options).filter(([, value]) => value !== undefined)
    );
    this.#policy = { ...DEFAULTS, ...defined };
  }

  /** The URL as it may be shown: origin and first path segment. */
  get redactedUrl(): string {
    return redactWebhookUrl(this.#url);
  }

  /**
   * Posts `message`, retrying throttling and Slack-side failures.
   *
   * @throws NotifyError naming Slack's error (permanent 4xx), or retryable
   * when tries ran out on 429, 5xx or a failed connection.
   */
  async post(message: SlackMessage): Promise<void> {
    const body = JSON.stringify(message);
    const attempts = Math.max(1, Math.floor(this.#policy.attempts));
    let failure: Failure | undefined;
    for (let attempt = 1; attempt <= attempts; attempt++) {
      if (failure) await this.#policy.sleep(this.#delay(attempt - 1, failure));
      failure = await this.#send(body);
      if (!failure) return;
      if (!failure.error.retryable) throw failure.error;
    }
    throw failure!.error;
  }

  /** Slack's `Retry-After` when it sent one (capped), else exponential backoff. */
  #delay(retry: number, failure: Failure): number {
    if (failure.retryAfterMs !== undefined) {
      return Math.min(failure.retryAfterMs, this.#policy.maxRetryAfterMs);
    }
    const backoff = this.#policy.initialDelayMs * 2 ** (retry - 1);
    return Math.min(backoff, this.#policy.maxDelayMs);
  }

  async #send(body: string): Promise<Failure | undefined> {
    let response: Response;
    try {
      response = await fetch(this.#url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body,
        signal: AbortSignal.timeout(this.#policy.timeoutMs),
        redirect: 'error',
      });
    } catch (error) {
      // The fetch error and its cause may spell out the URL: keep only the
      // kind of failure, never the error object itself.
      const reason = error instanceof Error ? error.name : 'unknown error';
      return {
        error: new NotifyError(
          `could not reach slack webhook ${this.redactedUrl}: ${reason}`,
          { diagnostics: [reason], retryable: true }
        ),
      };
    }
    const text = this.#scrub(await response.text().catch(() => ''));
    if (response.ok) return undefined;
    const status = response.status;
    const retryable = status === 429 || status >= 500;
    const error = new NotifyError(
      `slack webhook ${this.redactedUrl} answered ${status}` +
        (text ? ` ${text}` : '') +
        (retryable
          ? ''
          : ': fix the webhook or its channel, retrying will not help'),
      { status, diagnostics: text ? [text] : [], retryable }
    );
    const retryAfterMs =
      status === 429
        ? parseRetryAfter(response.headers.get('retry-after'))
        : undefined;
    return retryAfterMs === undefined ? { error } : { error, retryAfterMs };
  }

  /** Slack's error token, cut, without control characters or the URL. */
  #scrub(text: string): string {
    const clean = text
      .split(this.#url)
      .join(this.redactedUrl)
      .replace(/[^\x20-\x7e]+/g, ' ')
      .trim();
    return clean.length > MAX_ERROR_BODY
      ? `${clean.slice(0, MAX_ERROR_BODY)}…`
      : clean;
  }
}

/** A failed try: the error, and how long Slack asked us to wait. */
interface Failure {
  readonly error: NotifyError;
  readonly retryAfterMs?: number;
}

/** `Retry-After` as milliseconds: seconds only (Slack sends seconds). */
function parseRetryAfter(value: string | null): number | undefined {
  if (value === null || !/^\d+$/.test(value.trim())) return undefined;
  return Number(value.trim()) * 1_000;
}
