/**
 * Generic HTTPS webhooks of `archscan serve`: one JSON `POST` per
 * notification, for receivers other than Slack (a chat bot, a ticketing
 * bridge, a CI trigger). The body is the scan's summary fields and its
 * findings under `kind: "archscan.scan"`, `schemaVersion: 1`. When a secret
 * is configured the request carries
 * `X-Archscan-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`,
 * the GitHub scheme receivers already know how to check, and
 * `X-Archscan-Timestamp` (Unix seconds, the same instant as the signed
 * `sentAt`), so a receiver can refuse old replays. Retries follow
 * `post-with-retries.ts`; the URL may hold a token, so errors show its
 * origin only.
 */
import type { Finding } from '../../engine/findings/report.js';
import type { ScanSummary } from '../../engine/history/scan-record.js';
import { byImportance } from '../../engine/notify/describe.js';
import { hmacSha256Hex } from '../../engine/webhooks/verify.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Notification, Notifier } from '../../ports/notifier.js';
import {
  postWithRetries,
  type RetryOptions,
  retryPolicy,
} from './post-with-retries.js';

/** Format version of the webhook body; bumped on incompatible changes. */
export const WEBHOOK_SCHEMA_VERSION = 1;

/** Header carrying `sha256=<hex>` when a secret is configured. */
export const SIGNATURE_HEADER = 'X-Archscan-Signature-256';
/** Header carrying the send time in Unix seconds. */
export const TIMESTAMP_HEADER = 'X-Archscan-Timestamp';

/**
 * A thousand findings is far more than any receiver shows; the full report
 * stays in the history API (`historyUrl`).
 */
const DEFAULT_MAX_FINDINGS = 1_000;

/** The JSON body of one webhook notification. */
export interface WebhookPayload extends ScanSummary {
  readonly schemaVersion: typeof WEBHOOK_SCHEMA_VERSION;
  readonly kind: 'archscan.scan';
  /** When this notification was sent (ISO 8601); covered by the signature. */
  readonly sentAt: string;
  /** The report's findings, errors and entrypoints first. */
  readonly findings: Finding[];
  /** Findings left out beyond the cap. */
  readonly omittedFindings: number;
  readonly historyUrl?: string;
}

/** Options of {@link HttpWebhookNotifier}. */
export interface HttpWebhookNotifierOptions extends RetryOptions {
  /** The receiver's URL: https, or http on a loopback host. */
  readonly url: string;
  /** Signs every body with HMAC-SHA256 when set. */
  readonly secret?: string;
  /** Findings sent before the rest are only counted; default 1000. */
  readonly maxFindings?: number;
  readonly clock?: Clock;
}

/**
 * The body of a notification.
 *
 * @example
 * const payload = buildWebhookPayload({ record, historyUrl }, new Date());
 * // payload.kind === 'archscan.scan'
 */
export function buildWebhookPayload(
  notification: Notification,
  sentAt: Date,
  maxFindings: number = DEFAULT_MAX_FINDINGS
): WebhookPayload {
  const { report, ...summary } = notification.record;
  const ordered = [...report.findings].sort(byImportance);
  const findings = ordered.slice(0, Math.max(0, maxFindings));
  return {
    schemaVersion: WEBHOOK_SCHEMA_VERSION,
    kind: 'archscan.scan',
    sentAt: sentAt.toISOString(),
    ...summary,
    findings,
    omittedFindings: ordered.length - findings.length,
    ...(notification.historyUrl ? { historyUrl: notification.historyUrl } : {}),
  };
}

/**
 * The signature header value of `body` under `secret`.
 *
 * @example signWebhookBody('s3cret', body) // 'sha256=5d5d…'
 */
export function signWebhookBody(secret: string, body: Uint8Array): string {
  return `sha256=${hmacSha256Hex(secret, body)}`;
}

/**
 * The URL as it may be shown: its origin only, since a generic receiver
 * may keep its token anywhere in the path or query.
 *
 * @example redactOrigin('https://hooks.example.com/t/abc?k=1') // 'https://hooks.example.com/…'
 */
export function redactOrigin(url: string): string {
  try {
    return `${new URL(url).origin}/…`;
  } catch {
    return '(invalid webhook url)';
  }
}

/**
 * Posts every notification to one webhook.
 *
 * @example
 * const notifier = new HttpWebhookNotifier({ url: 'https://hooks.example.com/archscan', secret });
 * await notifier.notify({ record, historyUrl });
 */
export class HttpWebhookNotifier implements Notifier {
  readonly #url: string;
  readonly #secret: string | undefined;
  readonly #maxFindings: number;
  readonly #clock: Clock;
  readonly #policy: Required<RetryOptions>;

  constructor(options: HttpWebhookNotifierOptions) {
    const { url, secret, maxFindings, clock, ...retry } = options;
    this.#url = url;
    this.#secret = secret || undefined;
    this.#maxFindings = maxFindings ?? DEFAULT_MAX_FINDINGS;
    this.#clock = clock ?? systemClock;
    this.#policy = retryPolicy(retry);
  }

  /** The URL as it may be shown. */
  get redactedUrl(): string {
    return redactOrigin(this.#url);
  }

  /**
   * Sends one notification; every retry sends the same signed bytes.
   *
   * @throws NotifyError when the receiver refuses (4xx) or tries ran out.
   */
  async notify(notification: Notification): Promise<void> {
    const sentAt = this.#clock.now();
    const payload = buildWebhookPayload(
      notification,
      sentAt,
      this.#maxFindings
    );
    const body = new TextEncoder().encode(JSON.stringify(payload));
    const headers: Record<string, string> = {
      'content-type': 'application/json; charset=utf-8',
      'user-agent': 'archscan',
      [TIMESTAMP_HEADER]: String(Math.floor(sentAt.getTime() / 1_000)),
    };
    if (this.#secret) {
      headers[SIGNATURE_HEADER] = signWebhookBody(this.#secret, body);
    }
    await postWithRetries(
      {
        url: this.#url,
        redactedUrl: this.redactedUrl,
        label: 'webhook',
        permanentAdvice: 'fix the receiver or its notify.webhooks entry',
        headers,
        body,
      },
      this.#policy
    );
  }
}
