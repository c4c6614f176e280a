/**
 * The `ScanStore` port: scan history. Implementations: `DynamoScanStore`
 * (AWS and `archscan serve`, through the same adapter), `MemoryScanStore`
 * (tests). Lists are newest first and paginated by an opaque cursor.
 */
import type { ScanStatus } from '../engine/findings/report.js';
import type { ScanRecord, ScanSummary } from '../engine/history/scan-record.js';

export interface Page<T> {
  readonly items: T[];
  /** Pass back to get the next page; absent on the last page. */
  readonly cursor?: string;
}

export interface ListOptions {
  /** Most items per page (adapters cap it). */
  readonly limit?: number;
  readonly cursor?: string;
  /** Only scans at or after this time (ISO 8601). */
  readonly since?: string;
  /** Only scans before this time (ISO 8601). */
  readonly until?: string;
  readonly status?: ScanStatus;
  readonly tag?: string;
}

export interface ScanStore {
  /** Stores a scan; storing the same scan id twice keeps one. */
  put(record: ScanRecord): Promise<void>;
  /** A scan by id, with its full report. */
  get(
    registry: string,
    repository: string,
    scanId: string
  ): Promise<ScanRecord | undefined>;
  /** The newest scan of an image digest, with its full report. */
  latestByDigest(digest: string): Promise<ScanRecord | undefined>;
  /** The newest scan of a repository and tag before `before` (default: now), with its full report. */
  previous(
    registry: string,
    repository: string,
    tag: string,
    before?: string
  ): Promise<ScanRecord | undefined>;
  /** Scans of one repository, newest first. */
  listByRepository(
    registry: string,
    repository: string,
    options?: ListOptions
  ): Promise<Page<ScanSummary>>;
  /** Failed scans across all repositories, newest first (`since` defaults to 7 days ago). */
  listFailures(options?: ListOptions): Promise<Page<ScanSummary>>;
}
