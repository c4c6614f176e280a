/**
 * Recording a message that kept failing (it reached the dead-letter queue)
 * as a scan with status `error`, so history shows that the image was never
 * judged, and telling subscribers. A message that can never succeed (its
 * registry is refused by the allowlist) is recorded the same way on its
 * first failure, with that failure as the scan's error.
 */
import type { ScannerError } from '../engine/errors.js';
import {
  REPORT_SCHEMA_VERSION,
  type ScanReport,
} from '../engine/findings/report.js';
import type { ScanRecord } from '../engine/history/scan-record.js';
import { requestReference } from '../engine/history/scan-request.js';
import { toScanRecord } from '../engine/history/summarize.js';
import type { Clock } from '../ports/clock.js';
import type { Notifier } from '../ports/notifier.js';
import type { ScanStore } from '../ports/scan-store.js';
import { parseQueueMessage } from './parse-message.js';

export interface RecordPoisonDeps {
  readonly store: ScanStore;
  readonly clock: Clock;
  readonly notifier?: Notifier;
}

/**
 * Records the failure of `body` after `attempts` tries; returns the record.
 * The record's error is `poison-message`, or, when `failure` is given, that
 * error's code and message (e.g. `forbidden` for a refused registry), so
 * history says why the image was never judged.
 *
 * @example
 * await recordPoisonMessage(record.body, MAX_RECEIVES, { store, clock, notifier });
 * await recordPoisonMessage(JSON.stringify(request), 1, deps, egressRefusedError);
 * @throws whatever the store or the notifier throws.
 */
export async function recordPoisonMessage(
  body: string,
  attempts: number,
  deps: RecordPoisonDeps,
  failure?: ScannerError
): Promise<ScanRecord> {
  let identity = { registry: 'unknown', repository: 'unparseable-message' } as {
    registry: string;
    repository: string;
    tag?: string;
  };
  let reference = 'unparseable queue message';
  let why = '';
  try {
    const parsed = parseQueueMessage(body);
    if ('request' in parsed) {
      const { request } = parsed;
      identity = {
        registry: request.registry,
        repository: request.repository,
        ...(request.tag ? { tag: request.tag } : {}),
      };
      reference = requestReference(request);
    }
  } catch (error) {
    why = `: ${(error as Error).message}`;
  }
  const report: ScanReport = {
    schemaVersion: REPORT_SCHEMA_VERSION,
    reference,
    digest: null,
    mediaType: null,
    scannedAt: deps.clock.now().toISOString(),
    status: 'error',
    expectedPlatforms: [],
    platforms: [],
    skipped: [],
    findings: [],
    warnings: [],
    stats: { bytesDownloaded: 0, bytesInflated: 0, durationMs: 0 },
    error: failure
      ? { code: failure.code, message: failure.message }
      : {
          code: 'poison-message',
          message: `the scan request failed ${attempts} times and was set aside${why}; see the scan worker's logs`,
        },
  };
  const record = toScanRecord(report, identity);
  // Tell first, record last (as processScanRequest does): a retry after a
  // failed notification then finds nothing stored twice.
  await deps.notifier?.notify({ record });
  await deps.store.put(record);
  return record;
}
