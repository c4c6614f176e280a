/** A `Notifier` fake that keeps every notification, for use-case and handler tests. */
import type { Notification, Notifier } from '../../../lib/ports/notifier.js';

export class RecordingNotifier implements Notifier {
  readonly sent: Notification[] = [];

  async notify(notification: Notification): Promise<void> {
    this.sent.push(notification);
  }
}
