/**
 * `SnsNotifier`: publishes each scan to the standard SNS findings topic
 * (reference aws-notifications.md §1.1-1.4). The message is a plain string,
 * never `MessageStructure=json`, because SNS delivers message attributes,
 * and so subscription filter policies see them, only for string messages.
 * The body is the email text; the `scan` attribute carries the compact
 * summary the Slack and chat notifiers rebuild their messages from.
 */
import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { NotifyError } from '../../engine/errors.js';
import type { ScanRecord } from '../../engine/history/scan-record.js';
import {
  buildMessageAttributes,
  type MessageAttributes,
  publishSize,
  SNS_MAX_PUBLISH_BYTES,
} from '../../engine/notify/attributes.js';
import { formatEmail } from '../../engine/notify/email-text.js';
import { buildScanSummary } from '../../engine/notify/scan-summary.js';
import type { Notification, Notifier } from '../../ports/notifier.js';

/** How to build an `SnsNotifier`. */
export interface SnsNotifierOptions {
  /** Built once by the composition root (region, tracing, retries). */
  readonly client: SNSClient;
  /** The standard (not FIFO: email needs standard) findings topic. */
  readonly topicArn: string;
  /** Where a person reads a scan, when the notification does not say. */
  readonly historyUrl?: (record: ScanRecord) => string | undefined;
  /** Findings listed in the email body before "… and N more". */
  readonly maxEmailFindings?: number;
  /**
   * Upper bound of the email body in bytes (default 64 KB). Whatever it
   * is, the body is cut further when body and attributes would pass 256 KB.
   */
  readonly maxEmailBytes?: number;
}

// Room left for SNS's own bookkeeping when the first attempt is too big.
const SIZE_MARGIN = 1_024;

/**
 * Publishes scan notifications to SNS. Retries are the SDK client's
 * (standard mode, 3 attempts): throttling and 5xx are retried there, so
 * this adapter does not retry again.
 *
 * @example
 * const notifier = new SnsNotifier({ client: new SNSClient({}), topicArn });
 * await notifier.notify({ record, historyUrl: 'https://…/scans/abc' });
 */
export class SnsNotifier implements Notifier {
  readonly #options: SnsNotifierOptions;

  constructor(options: SnsNotifierOptions) {
    this.#options = options;
  }

  /** @throws NotifyError when SNS refuses the message or cannot be reached. */
  async notify(notification: Notification): Promise<void> {
    const historyUrl =
      notification.historyUrl ??
      this.#options.historyUrl?.(notification.record);
    const input = {
      record: notification.record,
      ...(historyUrl && { historyUrl }),
    };
    const summary = JSON.stringify(buildScanSummary(input));
    const attributes = buildMessageAttributes(notification.record, summary);
    const { subject, body } = this.#fit(input, attributes);
    try {
      await this.#options.client.send(
        new PublishCommand({
          TopicArn: this.#options.topicArn,
          Subject: subject,
          Message: body,
          MessageAttributes: attributes,
        })
      );
    } catch (error) {
      throw toNotifyError(error, this.#options.topicArn);
    }
  }

  /** The email text, shrunk if message and attributes would exceed 256 KB. */
  #fit(
    input: Parameters<typeof formatEmail>[0],
    attributes: MessageAttributes
  ): { subject: string; body: string } {
    const { maxEmailFindings, maxEmailBytes } = this.#options;
    const options = {
      ...(maxEmailFindings !== undefined && { maxFindings: maxEmailFindings }),
      ...(maxEmailBytes !== undefined && { maxBodyBytes: maxEmailBytes }),
    };
    const text = formatEmail(input, options);
    const size = publishSize(text.body, attributes, text.subject);
    if (size <= SNS_MAX_PUBLISH_BYTES) return text;
    const overhead = publishSize('', attributes, text.subject);
    const maxBodyBytes = SNS_MAX_PUBLISH_BYTES - overhead - SIZE_MARGIN;
    return formatEmail(input, { ...options, maxBodyBytes });
  }
}

/** SDK service errors carry these; network errors carry none of them. */
interface SdkErrorShape {
  readonly name?: string;
  readonly $fault?: 'client' | 'server';
  readonly $retryable?: unknown;
  readonly $metadata?: { readonly httpStatusCode?: number };
}

const RETRYABLE_NAMES = new Set([
  'ThrottledException',
  'KMSThrottlingException',
  'InternalErrorException',
  'TimeoutError',
]);

/** Maps an SDK failure to a NotifyError naming the topic and the SNS error. */
export function toNotifyError(error: unknown, topicArn: string): NotifyError {
  const shape = (
    typeof error === 'object' && error !== null ? error : {}
  ) as SdkErrorShape;
  const name = shape.name ?? 'UnknownError';
  const status = shape.$metadata?.httpStatusCode;
  const retryable =
    shape.$fault === 'server' ||
    Boolean(shape.$retryable) ||
    RETRYABLE_NAMES.has(name) ||
    shape.$fault === undefined;
  const topic = topicArn.split(':').at(-1) ?? topicArn;
  return new NotifyError(
    `could not publish to sns topic ${topic}: ${name}` +
      (status ? ` (http ${status})` : ''),
    {
      ...(status !== undefined ? { status } : {}),
      diagnostics: [name],
      retryable,
      cause: error,
    }
  );
}
