/**
 * Posting a message to a Slack incoming webhook (reference
 * aws-notifications.md §2.1): `POST` JSON, success is `200 ok`; 429 (with
 * `Retry-After`) and 5xx are retried with backoff, every other 4xx is
 * permanent and named by Slack's error body (`channel_not_found`,
 * `invalid_payload`, …). The webhook URL is the secret: it never appears in
 * an error or a log line, only its redacted form. The retry rules live in
 * `post-with-retries.ts`, shared with the generic webhook notifier.
 */
import type { SlackMessage } from '../../engine/notify/slack-blocks.js';
import {
  postWithRetries,
  type RetryOptions,
  retryPolicy,
} from './post-with-retries.js';

/** How the webhook is called. Every field but `url` is optional. */
export interface SlackWebhookOptions extends RetryOptions {
  /** The incoming-webhook URL (a secret). */
  readonly url: string;
}

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
  readonly #policy: Required<RetryOptions>;

  constructor(options: SlackWebhookOptions) {
    const { url, ...retry } = options;
    this.#url = url;
    this.#policy = retryPolicy(retry);
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
    await postWithRetries(
      {
        url: this.#url,
        redactedUrl: this.redactedUrl,
        label: 'slack webhook',
        permanentAdvice: 'fix the webhook or its channel',
        headers: { 'content-type': 'application/json; charset=utf-8' },
        body: JSON.stringify(message),
      },
      this.#policy
    );
  }
}
