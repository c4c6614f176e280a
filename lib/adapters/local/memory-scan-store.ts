/**
 * `ScanStore` in process memory, with the semantics of `DynamoScanStore`
 * (same ordering, same half-open time windows, same page sizes, opaque
 * cursors, first write of a scan id wins), so use-case tests and local
 * runs behave as on AWS. Records are copied in and out: callers cannot
 * change what is stored.
 */
import { ConfigError } from '../../engine/errors.js';
import {
  DEFAULT_FAILURE_DAYS,
  pageLimit,
  requireCanonicalInstant,
  timeWindow,
  toInstant,
} from '../../engine/history/list-window.js';
import type {
  ScanRecord,
  ScanSummary,
} from '../../engine/history/scan-record.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { ListOptions, Page, ScanStore } from '../../ports/scan-store.js';

/** Options of {@link MemoryScanStore}. */
export interface MemoryScanStoreOptions {
  readonly clock?: Clock;
}

/**
 * Scan history in memory.
 *
 * @example
 * const store = new MemoryScanStore();
 * await store.put(record);
 * const { items } = await store.listByRepository(record.registry, record.repository);
 */
export class MemoryScanStore implements ScanStore {
  private readonly records = new Map<string, ScanRecord>();
  private readonly clock: Clock;

  constructor(options: MemoryScanStoreOptions = {}) {
    this.clock = options.clock ?? systemClock;
  }

  async put(record: ScanRecord): Promise<void> {
    requireCanonicalInstant(record.scannedAt);
    const id = recordId(record.registry, record.repository, record.scanId);
    if (!this.records.has(id)) this.records.set(id, structuredClone(record));
  }

  async get(
    registry: string,
    repository: string,
    scanId: string
  ): Promise<ScanRecord | undefined> {
    return copy(this.records.get(recordId(registry, repository, scanId)));
  }

  async latestByDigest(digest: string): Promise<ScanRecord | undefined> {
    const matching = [...this.records.values()].filter(
      (r) => r.digest === digest
    );
    return copy(newestFirst(matching, (r) => r.scanId)[0]);
  }

  async previous(
    registry: string,
    repository: string,
    tag: string,
    before?: string
  ): Promise<ScanRecord | undefined> {
    const until =
      before !== undefined
        ? toInstant(before, 'before')
        : this.clock.now().toISOString();
    const matching = [...this.records.values()].filter(
      (r) =>
        r.registry === registry &&
        r.repository === repository &&
        r.tag === tag &&
        r.scannedAt < until
    );
    return copy(newestFirst(matching, (r) => r.scanId)[0]);
  }

  async listByRepository(
    registry: string,
    repository: string,
    options: ListOptions = {}
  ): Promise<Page<ScanSummary>> {
    const window = timeWindow(options, this.clock.now());
    return this.page(
      (r) =>
        r.registry === registry &&
        r.repository === repository &&
        (options.tag === undefined || r.tag === options.tag) &&
        inWindow(r, window) &&
        (options.status === undefined || r.status === options.status),
      (r) => r.scanId,
      options,
      `${registry}/${repository}`
    );
  }

  async listFailures(options: ListOptions = {}): Promise<Page<ScanSummary>> {
    const window = timeWindow(options, this.clock.now(), DEFAULT_FAILURE_DAYS);
    return this.page(
      (r) =>
        (r.status === 'fail' || r.status === 'error') &&
        inWindow(r, window) &&
        (options.status === undefined || r.status === options.status),
      // DynamoDB's gsi2 order: time, then registry/repository.
      (r) => `${r.scannedAt}#${r.registry}/${r.repository}#${r.scanId}`,
      options,
      'failures'
    );
  }

  /** Number of stored scans. */
  get size(): number {
    return this.records.size;
  }

  private page(
    keep: (record: ScanRecord) => boolean,
    sortKey: (record: ScanRecord) => string,
    options: ListOptions,
    list: string
  ): Page<ScanSummary> {
    const limit = pageLimit(options.limit);
    const after = options.cursor
      ? decodeCursor(options.cursor, list)
      : undefined;
    const all = newestFirst([...this.records.values()].filter(keep), sortKey);
    const rest = after ? all.filter((r) => sortKey(r) < after) : all;
    const items = rest.slice(0, limit);
    const last = items[items.length - 1];
    return {
      items: items.map(summaryOf),
      ...(rest.length > limit && last
        ? { cursor: encodeCursor(sortKey(last), list) }
        : {}),
    };
  }
}

function recordId(registry: string, repository: string, scanId: string) {
  return `${registry}/${repository}#${scanId}`;
}

function newestFirst<T>(items: T[], key: (item: T) => string): T[] {
  return items.sort((a, b) => {
    const ka = key(a);
    const kb = key(b);
    return ka < kb ? 1 : ka > kb ? -1 : 0;
  });
}

function inWindow(
  record: ScanRecord,
  window: { since?: string; until?: string }
): boolean {
  return (
    (window.since === undefined || record.scannedAt >= window.since) &&
    (window.until === undefined || record.scannedAt < window.until)
  );
}

function summaryOf(record: ScanRecord): ScanSummary {
  const { report: _report, ...summary } = structuredClone(record);
  return summary;
}

function copy(record: ScanRecord | undefined): ScanRecord | undefined {
  return record ? structuredClone(record) : undefined;
}

function encodeCursor(after: string, list: string): string {
  return Buffer.from(JSON.stringify({ after, list })).toString('base64url');
}

function decodeCursor(cursor: string, list: string): string {
  try {
    const state = JSON.parse(Buffer.from(cursor, 'base64url').toString());
    if (state.list === list && typeof state.after === 'string') {
      return state.after;
    }
  } catch {
    // Falls through to the error below.
  }
  throw new ConfigError(
    'invalid cursor: pass back the cursor of the previous page unchanged'
  );
}
