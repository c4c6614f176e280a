/**
 * What the scan worker does with one scan request (DESIGN.md §Rules of
 * judgement, the pipeline issue's coalescing and grace rules):
 *
 * 1. a re-check that arrives before its grace window ends waits again;
 * 2. a platform manifest pushed by digest alone is a child of a multi-arch
 *    push: the index scan covers it, so it is skipped, never reported as a
 *    single-platform image missing platforms;
 * 3. a digest scanned recently under the same policy is not scanned again;
 * 4. otherwise the image is scanned, compared with the previous scan of the
 *    same repository and tag, and recorded;
 * 5. a fresh push whose only errors are missing platforms is re-checked
 *    after the grace window before anyone is told; anything else that
 *    fails, errs or regresses is notified now.
 */
import { ScannerError } from '../engine/errors.js';
import type { ScanRecord } from '../engine/history/scan-record.js';
import {
  requestReference,
  SCAN_REQUEST_VERSION,
  type ScanRequest,
} from '../engine/history/scan-request.js';
import { toScanRecord } from '../engine/history/summarize.js';
import { formatPlatform, type Platform } from '../engine/platform/platform.js';
import type { Clock } from '../ports/clock.js';
import type { LayerCache } from '../ports/layer-cache.js';
import type { Notifier } from '../ports/notifier.js';
import type { Registry } from '../ports/registry.js';
import type { ScanQueue } from '../ports/scan-queue.js';
import type { ScanStore } from '../ports/scan-store.js';
import { fetchDocument } from './fetch-image.js';
import { type ScanImageOptions, scanImage } from './scan-image.js';

/** SQS delays a message by at most 15 minutes; longer windows take several hops. */
export const MAX_DELAY_SECONDS = 900;
/** A digest scanned under the same policy within this window is not scanned again. */
export const DUPLICATE_WINDOW_MS = 60 * 60 * 1000;

export interface ProcessDeps {
  readonly registryFor: (host: string) => Registry;
  readonly store: ScanStore;
  readonly clock: Clock;
  readonly notifier?: Notifier;
  readonly queue?: ScanQueue;
  readonly cache?: LayerCache;
}

export interface ProcessOptions {
  /** Platforms the repository must provide (undefined: as declared). */
  readonly expectedPlatforms?: readonly Platform[];
  /** Grace window for missing platforms on fresh pushes; 0 disables. */
  readonly graceSeconds: number;
  /** Notify on warnings too, or on errors only. */
  readonly notifySeverity: 'error' | 'warning';
  /** Builds the link to a scan in the history API, when there is one. */
  readonly historyUrl?: (record: ScanRecord) => string;
  readonly scan?: Pick<ScanImageOptions, 'concurrency' | 'signal' | 'limits'>;
  /**
   * Aborted when the process is stopping (`archscan serve` shutting down):
   * a scan it cut short is neither recorded nor notified, and the request
   * fails so it stays queued. A `scan.signal` that fires on its own (the
   * Lambda's time running out) still records an `error` scan.
   */
  readonly stopping?: AbortSignal;
}

export type Outcome =
  | { readonly kind: 'deferred'; readonly delaySeconds: number }
  | { readonly kind: 'skipped'; readonly reason: string }
  | { readonly kind: 'duplicate'; readonly scanId: string }
  | {
      readonly kind: 'scanned';
      readonly record: ScanRecord;
      readonly notified: boolean;
      readonly recheckQueued: boolean;
    };

/** Handles one request end to end. */
export async function processScanRequest(
  request: ScanRequest,
  deps: ProcessDeps,
  options: ProcessOptions
): Promise<Outcome> {
  const early = await deferIfEarly(request, deps);
  if (early) return early;
  const registry = deps.registryFor(request.registry);
  const reference = request.digest ?? request.tag ?? 'latest';
  if (!request.tag && request.digest) {
    const top = await fetchDocument(
      registry,
      request.repository,
      request.digest,
      options.scan?.signal
    );
    if (top.document.kind === 'manifest') {
      return {
        kind: 'skipped',
        reason:
          'a platform manifest pushed without a tag: the index that lists it is scanned instead',
      };
    }
  }
  const expected = (options.expectedPlatforms ?? []).map(formatPlatform);
  if (request.digest && request.source !== 'recheck') {
    const last = await deps.store.latestByDigest(request.digest);
    const fresh =
      last &&
      deps.clock.now().getTime() - Date.parse(last.scannedAt) <
        DUPLICATE_WINDOW_MS;
    if (
      fresh &&
      last.status !== 'error' &&
      sameList(
        last.expectedPlatforms,
        expected,
        options.expectedPlatforms === undefined
      )
    ) {
      return { kind: 'duplicate', scanId: last.scanId };
    }
  }
  // Fresh pushes are scanned by digest (what was pushed); a re-check reads the
  // tag again, which may now name an index with the platforms that were late.
  const byTag = request.source === 'recheck' && request.tag !== undefined;
  const report = await scanImage(
    {
      reference: requestReference(
        byTag ? { ...request, digest: undefined } : request
      ),
      repository: request.repository,
      tagOrDigest: byTag ? (request.tag as string) : reference,
    },
    {
      registry,
      now: () => deps.clock.now(),
      ...(deps.cache ? { cache: deps.cache } : {}),
    },
    {
      ...options.scan,
      ...(options.expectedPlatforms
        ? { expectedPlatforms: options.expectedPlatforms }
        : {}),
    }
  );
  if (options.stopping?.aborted) {
    throw new ScannerError(
      'aborted',
      `stopped before the scan of ${requestReference(request)} finished; it stays queued`
    );
  }
  // A re-check compares with what came before the push, not with the first
  // scan of the same push, or a lost platform would stop looking lost.
  const before = request.previousScanId?.split('#')[0] ?? report.scannedAt;
  const previous = request.tag
    ? await lastJudged(
        deps.store,
        request.registry,
        request.repository,
        request.tag,
        before
      )
    : undefined;
  const record = toScanRecord(
    report,
    {
      registry: request.registry,
      repository: request.repository,
      ...(request.tag ? { tag: request.tag } : {}),
    },
    previous
  );
  // Side effects first, the record last: a retry after a failed publish or
  // send finds no record, so it is not taken for a duplicate and the
  // notification or re-check is not lost (at least once, normally once).
  if (shouldWait(request, record, options)) {
    await requeueForGrace(request, record, deps, options.graceSeconds);
    await deps.store.put(record);
    return { kind: 'scanned', record, notified: false, recheckQueued: true };
  }
  const notified = await notifyIfNeeded(record, deps, options);
  await deps.store.put(record);
  return { kind: 'scanned', record, notified, recheckQueued: false };
}

/** Error scans judged nothing; looking past this many of them is enough. */
const MAX_ERROR_SCANS_SKIPPED = 20;

/** The newest scan of the tag before `before` that is not an error: the baseline a regression is measured from. */
async function lastJudged(
  store: ScanStore,
  registry: string,
  repository: string,
  tag: string,
  before: string
): Promise<ScanRecord | undefined> {
  let bound = before;
  for (let i = 0; i <= MAX_ERROR_SCANS_SKIPPED; i++) {
    const scan = await store.previous(registry, repository, tag, bound);
    if (scan?.status !== 'error') return scan;
    bound = scan.scannedAt;
  }
  return undefined;
}

function sameList(
  stored: readonly string[],
  wanted: readonly string[],
  asDeclared: boolean
): boolean {
  if (asDeclared) return true;
  return (
    stored.length === wanted.length && wanted.every((p) => stored.includes(p))
  );
}

/**
 * Re-sends a re-check that arrived before its grace window ends (at most
 * 15 minutes per hop). Callers that deduplicate requests must call this
 * first: the re-sent message is the same request and must not be taken
 * for a duplicate.
 */
export async function deferIfEarly(
  request: ScanRequest,
  deps: Pick<ProcessDeps, 'clock' | 'queue'>
): Promise<Outcome | undefined> {
  if (!request.notBefore) return undefined;
  const waitMs = Date.parse(request.notBefore) - deps.clock.now().getTime();
  if (!(waitMs > 0) || !deps.queue) return undefined;
  const delaySeconds = Math.min(MAX_DELAY_SECONDS, Math.ceil(waitMs / 1000));
  await deps.queue.send(request, delaySeconds);
  return { kind: 'deferred', delaySeconds };
}

/** A fresh push whose only error findings are missing platforms waits for the grace window. */
function shouldWait(
  request: ScanRequest,
  record: ScanRecord,
  options: ProcessOptions
): boolean {
  if (
    options.graceSeconds <= 0 ||
    request.source === 'recheck' ||
    request.source === 'manual'
  )
    return false;
  const errors = record.report.findings.filter((f) => f.severity === 'error');
  return (
    errors.length > 0 &&
    errors.every((f) => f.kind === 'missing-platform') &&
    !record.regression?.newFindings.length
  );
}

async function requeueForGrace(
  request: ScanRequest,
  record: ScanRecord,
  deps: ProcessDeps,
  graceSeconds: number
): Promise<void> {
  if (!deps.queue) return;
  const notBefore = new Date(
    Date.parse(request.receivedAt) + graceSeconds * 1000
  ).toISOString();
  const recheck: ScanRequest = {
    version: SCAN_REQUEST_VERSION,
    source: 'recheck',
    registry: request.registry,
    repository: request.repository,
    ...(request.tag ? { tag: request.tag } : {}),
    ...(request.digest ? { digest: request.digest } : {}),
    receivedAt: request.receivedAt,
    notBefore,
    previousScanId: record.scanId,
  };
  const waitMs = Date.parse(notBefore) - deps.clock.now().getTime();
  await deps.queue.send(
    recheck,
    Math.max(0, Math.min(MAX_DELAY_SECONDS, Math.ceil(waitMs / 1000)))
  );
}

async function notifyIfNeeded(
  record: ScanRecord,
  deps: ProcessDeps,
  options: ProcessOptions
): Promise<boolean> {
  if (!deps.notifier) return false;
  const bad =
    record.status === 'error' ||
    record.counts.error > 0 ||
    (options.notifySeverity === 'warning' && record.counts.warning > 0) ||
    record.regression !== undefined;
  if (!bad) return false;
  await deps.notifier.notify({
    record,
    ...(options.historyUrl ? { historyUrl: options.historyUrl(record) } : {}),
  });
  return true;
}
