/**
 * The `Notifier` port: telling people about a scan. Implementations:
 * `SnsNotifier` (AWS), the Slack, SMTP and webhook notifiers of
 * `archscan serve`, and the log.
 */
import type { ScanRecord } from '../engine/history/scan-record.js';

export interface Notification {
  readonly record: ScanRecord;
  /** Where a person can read the whole scan (history API or page), when known. */
  readonly historyUrl?: string;
}

export interface Notifier {
  notify(notification: Notification): Promise<void>;
}
