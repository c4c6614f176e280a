/**
 * How one scan becomes one DynamoDB item (see the key design in
 * `dynamo-scan-store.ts`), and back. Summary fields are plain attributes so
 * they can be read in the console and filtered on; the report travels as
 * gzipped JSON, inline or in S3.
 */

import { dayOf } from '../../engine/history/list-window.js';
import type {
  ScanRecord,
  ScanSummary,
} from '../../engine/history/scan-record.js';

/** Key prefixes; `idempotency#…` (Powertools) never collides with these. */
export const KEY = {
  repo: (registry: string, repository: string) =>
    `REPO#${registry}/${repository}`,
  scan: (scanId: string) => `SCAN#${scanId}`,
  digest: (digest: string) => `DIGEST#${digest}`,
  failDay: (day: string) => `FAIL#${day}`,
  tag: (registry: string, repository: string, tag: string) =>
    `TAG#${registry}/${repository}:${tag}`,
} as const;

/**
 * A regression can name every finding of a huge image; the item keeps the
 * first thousand (about 100 KB) so the summary always fits beside the
 * report. The full list can be recomputed from the two reports.
 */
export const MAX_STORED_NEW_FINDINGS = 1000;

/** The attributes of a scan item, as the document client reads and writes them. */
export interface ScanItem extends Record<string, unknown> {
  pk: string;
  sk: string;
  gsi1pk?: string;
  gsi1sk?: string;
  gsi2pk?: string;
  gsi2sk?: string;
  gsi3pk?: string;
  gsi3sk?: string;
  ttl?: number;
  /** Gzipped JSON of the report, when it fits. */
  report?: Uint8Array;
  /** S3 key of the gzipped report, when it did not. */
  reportKey?: string;
}

/** The keys, index keys, TTL and summary of a scan; no report yet. */
export function scanItem(record: ScanRecord, ttlDays: number): ScanItem {
  const { report: _report, regression, ...summary } = record;
  const at = record.scannedAt;
  const where = `${record.registry}/${record.repository}`;
  const failed = record.status === 'fail' || record.status === 'error';
  return {
    pk: KEY.repo(record.registry, record.repository),
    sk: KEY.scan(record.scanId),
    ...(record.digest ? { gsi1pk: KEY.digest(record.digest), gsi1sk: at } : {}),
    ...(failed
      ? { gsi2pk: KEY.failDay(dayOf(at)), gsi2sk: `${at}#${where}` }
      : {}),
    ...(record.tag
      ? {
          gsi3pk: KEY.tag(record.registry, record.repository, record.tag),
          gsi3sk: at,
        }
      : {}),
    ...(ttlDays > 0
      ? { ttl: Math.floor(Date.parse(at) / 1000) + ttlDays * 86_400 }
      : {}),
    ...withoutUndefined(summary),
    ...(regression
      ? {
          regression: {
            ...regression,
            newFindings: regression.newFindings.slice(
              0,
              MAX_STORED_NEW_FINDINGS
            ),
          },
        }
      : {}),
  };
}

const SUMMARY_FIELDS = [
  'scanId',
  'registry',
  'repository',
  'tag',
  'digest',
  'reference',
  'scannedAt',
  'status',
  'expectedPlatforms',
  'platforms',
  'counts',
  'severity',
  'regression',
  'error',
] as const satisfies readonly (keyof ScanSummary)[];

/** The summary attributes of a stored item. */
export function summaryOf(item: Record<string, unknown>): ScanSummary {
  const summary: Record<string, unknown> = {};
  for (const field of SUMMARY_FIELDS) {
    if (item[field] !== undefined) summary[field] = item[field];
  }
  return summary as unknown as ScanSummary;
}

/**
 * Roughly how many bytes DynamoDB counts for an item: attribute names and
 * values, with JSON's quotes and punctuation as a small overestimate.
 */
export function itemBytes(item: Record<string, unknown>): number {
  let bytes = 0;
  const rest: Record<string, unknown> = {};
  for (const [name, value] of Object.entries(item)) {
    if (value instanceof Uint8Array) bytes += name.length + value.length;
    else rest[name] = value;
  }
  return bytes + Buffer.byteLength(JSON.stringify(rest));
}

/** Drops undefined values, which the document client refuses by default. */
function withoutUndefined<T extends object>(value: T): Partial<T> {
  return Object.fromEntries(
    Object.entries(value).filter(([, v]) => v !== undefined)
  ) as Partial<T>;
}
