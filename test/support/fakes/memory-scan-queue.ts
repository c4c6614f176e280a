/**
 * A `ScanQueue` fake that keeps sent requests with their delays, and can
 * hand back those whose delay has passed on a test clock.
 */
import type { ScanRequest } from '../../../lib/engine/history/scan-request.js';
import type { Clock } from '../../../lib/ports/clock.js';
import type { ScanQueue } from '../../../lib/ports/scan-queue.js';

export class MemoryScanQueue implements ScanQueue {
  readonly messages: {
    request: ScanRequest;
    delaySeconds: number;
    visibleAt: number;
  }[] = [];

  constructor(private readonly clock: Clock) {}

  async send(request: ScanRequest, delaySeconds = 0): Promise<void> {
    this.messages.push({
      request,
      delaySeconds,
      visibleAt: this.clock.now().getTime() + delaySeconds * 1000,
    });
  }

  /** Removes and returns the messages visible now. */
  receive(): ScanRequest[] {
    const now = this.clock.now().getTime();
    const ready = this.messages.filter((m) => m.visibleAt <= now);
    for (const m of ready) this.messages.splice(this.messages.indexOf(m), 1);
    return ready.map((m) => m.request);
  }
}
