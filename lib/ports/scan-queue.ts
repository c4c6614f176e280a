/**
 * The `ScanQueue` port: where scan requests wait. Implementations: SQS
 * (AWS; a delay of up to 15 minutes per send) and the local queue of
 * `archscan serve`.
 */
import type { ScanRequest } from '../engine/history/scan-request.js';

export interface ScanQueue {
  /** Enqueues a request, delivered no sooner than `delaySeconds` from now. */
  send(request: ScanRequest, delaySeconds?: number): Promise<void>;
}
