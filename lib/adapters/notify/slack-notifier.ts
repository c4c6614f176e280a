/**
 * The Slack channel of `archscan serve`: a scan record becomes the same
 * Block Kit message the AWS pipeline's Slack notifier posts, through the
 * same incoming-webhook client (retries on 429 and 5xx, URL redacted).
 */
import { buildScanSummary } from '../../engine/notify/scan-summary.js';
import { buildSlackMessage } from '../../engine/notify/slack-blocks.js';
import type { Notification, Notifier } from '../../ports/notifier.js';
import { SlackWebhook, type SlackWebhookOptions } from './slack-webhook.js';

export interface SlackNotifierOptions extends SlackWebhookOptions {
  /** Findings listed before "n more"; default 10. */
  readonly maxFindings?: number;
}

/**
 * Posts each notification to a Slack incoming webhook.
 *
 * @example
 * const slack = new SlackNotifier({ url: 'https://hooks.slack.com/services/…' });
 * await slack.notify({ record });
 */
export class SlackNotifier implements Notifier {
  readonly #webhook: SlackWebhook;
  readonly #maxFindings: number;

  constructor(options: SlackNotifierOptions) {
    const { maxFindings, ...webhook } = options;
    this.#webhook = new SlackWebhook(webhook);
    this.#maxFindings = maxFindings ?? 10;
  }

  get redactedUrl(): string {
    return this.#webhook.redactedUrl;
  }

  /** @throws NotifyError when Slack refuses the message or stays unreachable. */
  async notify(notification: Notification): Promise<void> {
    await this.#webhook.post(
      buildSlackMessage(buildScanSummary(notification), {
        maxFindings: this.#maxFindings,
      })
    );
  }
}
