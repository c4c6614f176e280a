/**
 * Several notification channels behind one `Notifier` (`archscan serve`:
 * log, Slack, SMTP, webhooks). Every channel is tried, each on its own; a
 * channel that fails is reported to `onError` and the others still
 * deliver. The call fails only when every channel failed: if it threw on a
 * partial failure, the caller's retry would send the delivered
 * notifications a second time.
 */
import { NotifyError, toScannerError } from '../../engine/errors.js';
import type { Notification, Notifier } from '../../ports/notifier.js';

/** One named channel. */
export interface NotifyChannel {
  /** How logs and errors name it: `slack`, `smtp`, `webhook[0]`. */
  readonly name: string;
  readonly notifier: Notifier;
}

/** Told about each channel that failed (the others delivered). */
export type ChannelErrorHandler = (channel: string, error: unknown) => void;

/**
 * Delivers to every channel.
 *
 * @example
 * const notifier = new FanoutNotifier(
 *   [{ name: 'log', notifier: new LogNotifier(process.stdout) },
 *    { name: 'smtp', notifier: smtp }],
 *   (channel, error) => logger.warn('notification failed', { channel, error })
 * );
 */
export class FanoutNotifier implements Notifier {
  readonly #channels: readonly NotifyChannel[];
  readonly #onError: ChannelErrorHandler;

  constructor(
    channels: readonly NotifyChannel[],
    onError: ChannelErrorHandler
  ) {
    this.#channels = [...channels];
    this.#onError = onError;
  }

  /** The channel names, in order. */
  get names(): string[] {
    return this.#channels.map((channel) => channel.name);
  }

  /**
   * Notifies every channel at once and waits for all of them.
   *
   * @throws NotifyError only when every channel failed, naming each one;
   *   retryable when any of them was.
   */
  async notify(notification: Notification): Promise<void> {
    const results = await Promise.allSettled(
      this.#channels.map((channel) => channel.notifier.notify(notification))
    );
    const failures: { name: string; error: unknown }[] = [];
    results.forEach((result, i) => {
      const name = this.#channels[i]?.name ?? `#${i}`;
      if (result.status === 'rejected') {
        failures.push({ name, error: result.reason });
      }
    });
    if (failures.length === 0) return;
    if (failures.length < results.length) {
      for (const { name, error } of failures) this.#report(name, error);
      return;
    }
    throw allFailed(failures);
  }

  /** A broken error handler must not turn a delivery into a failure. */
  #report(name: string, error: unknown): void {
    try {
      this.#onError(name, error);
    } catch {
      // Nothing better to do: the notification itself was delivered.
    }
  }
}

function allFailed(failures: { name: string; error: unknown }[]): NotifyError {
  const errors = failures.map(({ error }) => toScannerError(error));
  const retryable = errors.some(
    (error) => !(error instanceof NotifyError) || error.retryable
  );
  const detail = failures
    .map(({ name }, i) => `${name}: ${errors[i]?.message}`)
    .join('; ');
  return new NotifyError(`every notification channel failed (${detail})`, {
    retryable,
    diagnostics: failures.map(({ name }) => name),
    cause: new AggregateError(errors),
  });
}
