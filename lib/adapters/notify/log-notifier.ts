/**
 * The log channel of `archscan serve`: one JSON line per notification on a
 * writable stream (stdout by default in the serve command), so a person
 * running the server locally sees every verdict, and log shippers can pick
 * them up. The line carries the email subject as `message` and the compact
 * scan summary (`lib/engine/notify/scan-summary.ts`, capped at 8 KB) that
 * the Slack and chat notifiers read, so every channel says the same thing.
 */
import { NotifyError } from '../../engine/errors.js';
import { formatSubject, headlineOf } from '../../engine/notify/email-text.js';
import {
  buildScanSummary,
  type ScanSummaryMessage,
} from '../../engine/notify/scan-summary.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { Notification, Notifier } from '../../ports/notifier.js';

/** Where lines go: anything with `write(text)`, such as `process.stdout`. */
export interface LineSink {
  write(text: string): unknown;
}

/** Options of {@link LogNotifier}. */
export interface LogNotifierOptions {
  readonly clock?: Clock;
}

/** One log line, before it is serialized. */
export interface NotificationLogLine extends ScanSummaryMessage {
  readonly time: string;
  readonly level: 'info';
  /** The email subject: `archscan: team/my-api:1.4.0 failed (1 error)`. */
  readonly message: string;
}

/**
 * Writes each notification as one JSON line.
 *
 * @example
 * const log = new LogNotifier(process.stdout);
 * await log.notify({ record, historyUrl });
 * // {"time":"…","level":"info","message":"archscan: team/my-api:1.4.0 failed (1 error)","v":1,…}
 */
export class LogNotifier implements Notifier {
  readonly #sink: LineSink;
  readonly #clock: Clock;

  constructor(sink: LineSink, options: LogNotifierOptions = {}) {
    this.#sink = sink;
    this.#clock = options.clock ?? systemClock;
  }

  /**
   * Writes the line.
   *
   * @throws NotifyError when the stream refuses the write.
   */
  async notify(notification: Notification): Promise<void> {
    const line: NotificationLogLine = {
      time: this.#clock.now().toISOString(),
      level: 'info',
      message: formatSubject(headlineOf(notification.record)),
      ...buildScanSummary(notification),
    };
    try {
      // JSON.stringify escapes every line break inside strings: one line.
      this.#sink.write(`${JSON.stringify(line)}\n`);
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      throw new NotifyError(`could not write the notification log: ${reason}`, {
        retryable: true,
      });
    }
  }
}
