/**
 * `ScanStore` on one DynamoDB table (DESIGN.md §Shape on AWS;
 * reference/aws-notifications.md §3). The key design:
 *
 * | item | pk | sk | gsi1 (by digest) | gsi2 (failures, sparse) | gsi3 (by tag) |
 * |---|---|---|---|---|---|
 * | scan | `REPO#<registry>/<repository>` | `SCAN#<scannedAt>#<digest or unresolved>` | `DIGEST#<digest>` / `<scannedAt>` | `FAIL#<yyyy-mm-dd>` / `<scannedAt>#<registry>/<repository>` | `TAG#<registry>/<repository>:<tag>` / `<scannedAt>` |
 * | layer facts | `LAYER#<digest>` | `V#<scanner version>` | | | |
 *
 * - scans of a repository, newest first: Query pk, `ScanIndexForward: false`;
 *   with `tag`, Query gsi3 instead;
 * - newest scan of a digest: Query gsi1, Limit 1 (set only when the digest is known);
 * - failures across repositories: Query gsi2 one UTC day at a time, from
 *   `until` back to `since` (set only for status `fail` and `error`);
 * - previous scan of a repository and tag: Query gsi3 with sk < before, Limit 1.
 *
 * Failure lists filter by `status` but not by `tag` (a tag names nothing
 * without a repository).
 *
 * Scan times are canonical ISO 8601 (`toISOString`), so string order is
 * time order. Each item carries the summary as plain attributes and the
 * report as gzipped JSON in the Binary attribute `report`; when the item
 * would pass {@link ITEM_BUDGET_BYTES}, the report goes to S3 under
 * `reports/<registry>/<repository>/<scanId>.json.gz` and the item holds
 * `reportKey`. `ttl` (epoch seconds) is scannedAt plus `ttlDays`. Writes
 * are conditional on the key being new, so a repeated scan id is stored
 * once. Powertools idempotency records share the table under
 * `idempotency#…` keys, which no prefix here can produce.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
} from '@aws-sdk/lib-dynamodb';
import { LimitExceededError } from '../../engine/errors.js';
import type { ScanReport } from '../../engine/findings/report.js';
import {
  DEFAULT_FAILURE_DAYS,
  dayOf,
  pageLimit,
  previousDay,
  requireCanonicalInstant,
  timeWindow,
  toInstant,
} from '../../engine/history/list-window.js';
import type {
  ScanRecord,
  ScanSummary,
} from '../../engine/history/scan-record.js';
import type { BlobStore } from '../../ports/blob-store.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { ListOptions, Page, ScanStore } from '../../ports/scan-store.js';
import { fromGzipJson, toGzipJson } from './gzip-json.js';
import {
  type CursorState,
  decodeCursor,
  encodeCursor,
  invalidCursor,
} from './page-cursor.js';
import {
  itemBytes,
  KEY,
  type ScanItem,
  scanItem,
  summaryOf,
} from './scan-item.js';
import {
  collect,
  FAIL_KEY,
  failureDayQuery,
  repositoryQuery,
  type ScanQuery,
  withStatus,
} from './scan-queries.js';
import { StoreError, storeError } from './store-errors.js';

/**
 * Largest item written: DynamoDB refuses items over 400 KB (names plus
 * values); 50 KB of margin covers the estimate's error.
 */
export const ITEM_BUDGET_BYTES = 350 * 1024;

/**
 * Queries one list request may make. A filter (status) can leave a query
 * empty and a failure window spans one query per day; this bounds the
 * latency of one API call, and the cursor resumes where it stopped.
 */
export const MAX_QUERIES_PER_PAGE = 32;

/** Default history kept: a year, as `SCAN_TTL_DAYS` defaults. */
export const DEFAULT_TTL_DAYS = 365;

/** Options of {@link DynamoScanStore}. */
export interface DynamoScanStoreOptions {
  /** Built once by the composition root. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Where reports too large for an item go (S3, or a directory); without it such a put fails. */
  readonly reports?: BlobStore;
  /** Days a scan is kept (0 keeps it forever); default {@link DEFAULT_TTL_DAYS}. */
  readonly ttlDays?: number;
  readonly clock?: Clock;
}

/**
 * Scan history in DynamoDB.
 *
 * @example
 * const store = new DynamoScanStore({ client: DynamoDBDocumentClient.from(new DynamoDBClient({})), tableName: 'archscan' });
 * const page = await store.listByRepository('ghcr.io', 'org/app', { limit: 10 });
 */
export class DynamoScanStore implements ScanStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly reports: BlobStore | undefined;
  private readonly ttlDays: number;
  private readonly clock: Clock;

  constructor(options: DynamoScanStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.reports = options.reports;
    this.ttlDays = options.ttlDays ?? DEFAULT_TTL_DAYS;
    this.clock = options.clock ?? systemClock;
  }

  async put(record: ScanRecord): Promise<void> {
    requireCanonicalInstant(record.scannedAt);
    const item = await this.withReport(record);
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: item,
          ConditionExpression: 'attribute_not_exists(pk)',
        })
      );
    } catch (error) {
      // The same scan id was stored before: keep the first, as the port says.
      if ((error as Error).name === 'ConditionalCheckFailedException') return;
      throw this.failed(error, `put scan ${record.scanId}`);
    }
  }

  async get(
    registry: string,
    repository: string,
    scanId: string
  ): Promise<ScanRecord | undefined> {
    try {
      const { Item } = await this.client.send(
        new GetCommand({
          TableName: this.tableName,
          Key: { pk: KEY.repo(registry, repository), sk: KEY.scan(scanId) },
        })
      );
      return Item ? await this.toRecord(Item) : undefined;
    } catch (error) {
      throw this.failed(error, `get scan ${scanId}`);
    }
  }

  async latestByDigest(digest: string): Promise<ScanRecord | undefined> {
    return this.newest(`latest scan of ${digest}`, {
      IndexName: 'gsi1',
      KeyConditionExpression: 'gsi1pk = :pk',
      ExpressionAttributeValues: { ':pk': KEY.digest(digest) },
    });
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
    return this.newest(`previous scan of ${repository}:${tag}`, {
      IndexName: 'gsi3',
      KeyConditionExpression: 'gsi3pk = :pk AND gsi3sk < :before',
      ExpressionAttributeValues: {
        ':pk': KEY.tag(registry, repository, tag),
        ':before': until,
      },
    });
  }

  async listByRepository(
    registry: string,
    repository: string,
    options: ListOptions = {}
  ): Promise<Page<ScanSummary>> {
    const limit = pageLimit(options.limit);
    const window = timeWindow(options, this.clock.now());
    // An empty window would make BETWEEN's bounds cross, which DynamoDB refuses.
    if (window.since !== undefined && window.since === window.until) {
      return { items: [] };
    }
    const { query, keyNames, partition } = repositoryQuery(
      registry,
      repository,
      window,
      options.tag
    );
    const start = options.cursor
      ? decodeCursor(options.cursor, keyNames).key
      : undefined;
    // A cursor names a position in this partition, never another one.
    for (const [name, value] of Object.entries(partition)) {
      if (start && start[name] !== value) throw invalidCursor();
    }
    const got = await collect(
      (q) => this.query(q, `list scans of ${registry}/${repository}`),
      withStatus(query, options.status),
      { need: limit, start, keyNames, budget: MAX_QUERIES_PER_PAGE }
    );
    return {
      items: got.items.map(summaryOf),
      ...(got.next ? { cursor: encodeCursor({ key: got.next }) } : {}),
    };
  }

  async listFailures(options: ListOptions = {}): Promise<Page<ScanSummary>> {
    const limit = pageLimit(options.limit);
    const window = timeWindow(options, this.clock.now(), DEFAULT_FAILURE_DAYS);
    const since = window.since ?? '';
    const until = window.until ?? '';
    const resume = options.cursor ? decodeCursor(options.cursor, FAIL_KEY) : {};
    let day =
      resume.key?.gsi2pk?.slice('FAIL#'.length) ?? resume.day ?? dayOf(until);
    if (day > dayOf(until) || day < dayOf(since)) throw invalidCursor();
    let start = resume.key;
    const items: Record<string, unknown>[] = [];
    const done = (cursor?: CursorState): Page<ScanSummary> => ({
      items: items.map(summaryOf),
      ...(cursor ? { cursor: encodeCursor(cursor) } : {}),
    });
    // Walk day partitions newest first, until the page fills or the window ends.
    for (let queries = 0; ; ) {
      const got = await collect(
        (q) => this.query(q, `list failures of ${day}`),
        withStatus(failureDayQuery(day, since, until), options.status),
        {
          need: limit - items.length,
          start,
          keyNames: FAIL_KEY,
          budget: MAX_QUERIES_PER_PAGE - queries,
        }
      );
      queries += got.queries;
      items.push(...got.items);
      if (got.next) return done({ key: got.next });
      if (got.more) return done({ day });
      if (day <= dayOf(since)) return done();
      start = undefined;
      day = previousDay(day);
      if (queries >= MAX_QUERIES_PER_PAGE) return done({ day });
    }
  }

  private async newest(
    what: string,
    query: ScanQuery
  ): Promise<ScanRecord | undefined> {
    const output = await this.query(
      { ...query, ScanIndexForward: false, Limit: 1 },
      what
    );
    const item = output.Items?.[0];
    try {
      return item ? await this.toRecord(item) : undefined;
    } catch (error) {
      throw this.failed(error, what);
    }
  }

  private async query(query: ScanQuery, what: string) {
    try {
      return await this.client.send(
        new QueryCommand({ TableName: this.tableName, ...query })
      );
    } catch (error) {
      throw this.failed(error, what);
    }
  }

  /** The item to write: summary plus the report inline, or in S3 when too big. */
  private async withReport(record: ScanRecord): Promise<ScanItem> {
    const item = scanItem(record, this.ttlDays);
    const report = await toGzipJson(record.report);
    if (
      itemBytes(item) + 'report'.length + report.length <=
      ITEM_BUDGET_BYTES
    ) {
      return { ...item, report };
    }
    if (!this.reports) {
      throw new LimitExceededError(
        'item-size',
        `the report of ${record.reference} is ${report.length} bytes gzipped, too large for a DynamoDB item; configure a reports bucket (REPORTS_BUCKET)`
      );
    }
    const reportKey = `reports/${record.registry}/${record.repository}/${record.scanId}.json.gz`;
    await this.reports.put(reportKey, report);
    return { ...item, reportKey };
  }

  private async toRecord(item: Record<string, unknown>): Promise<ScanRecord> {
    const summary = summaryOf(item);
    const { report, reportKey } = item as ScanItem;
    let bytes: Uint8Array;
    if (report) bytes = report;
    else if (reportKey && this.reports)
      bytes = await this.reports.get(reportKey);
    else {
      throw new StoreError(
        `scan ${summary.scanId} has its report stored apart (${reportKey ?? 'no key'}) but no reports store is configured`,
        { code: 'config' }
      );
    }
    return {
      ...summary,
      report: await fromGzipJson<ScanReport>(
        bytes,
        `report of ${summary.scanId}`
      ),
    };
  }

  private failed(error: unknown, what: string) {
    return storeError(error, what, `table ${this.tableName}`);
  }
}
