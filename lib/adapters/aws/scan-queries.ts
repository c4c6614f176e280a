/**
 * The DynamoDB queries behind scan lists (key design in
 * `dynamo-scan-store.ts`), and the loop that fills one page from them.
 * Time windows are half-open, `[since, until)`, on canonical instants.
 */
import type {
  QueryCommandInput,
  QueryCommandOutput,
} from '@aws-sdk/lib-dynamodb';
import type { ScanStatus } from '../../engine/findings/report.js';
import type { TimeWindow } from '../../engine/history/list-window.js';
import { keyOf, type StringKey } from './page-cursor.js';
import { KEY } from './scan-item.js';

/** A query without its table name. */
export type ScanQuery = Omit<QueryCommandInput, 'TableName'>;

/** Key attributes of a table query's `LastEvaluatedKey`. */
export const TABLE_KEY = ['pk', 'sk'] as const;
/** Key attributes of a gsi3 (tag) query's `LastEvaluatedKey`. */
export const TAG_KEY = ['pk', 'sk', 'gsi3pk', 'gsi3sk'] as const;
/** Key attributes of a gsi2 (failures) query's `LastEvaluatedKey`. */
export const FAIL_KEY = ['pk', 'sk', 'gsi2pk', 'gsi2sk'] as const;

// Below every ISO 8601 time and above it, for windows open at one end.
const EARLIEST = '0';
const LATEST = '\uffff';

/** A repository's scans, or with a tag the tag's scans (gsi3), in `window`. */
export function repositoryQuery(
  registry: string,
  repository: string,
  window: TimeWindow,
  tag?: string
): { query: ScanQuery; keyNames: readonly string[]; partition: StringKey } {
  if (tag !== undefined) {
    const pk = KEY.tag(registry, repository, tag);
    return {
      keyNames: TAG_KEY,
      partition: { gsi3pk: pk },
      query: {
        IndexName: 'gsi3',
        KeyConditionExpression:
          'gsi3pk = :pk AND gsi3sk BETWEEN :low AND :high',
        ExpressionAttributeValues: {
          ':pk': pk,
          ':low': window.since ?? EARLIEST,
          // gsi3sk is the bare time: stop one millisecond before `until`.
          ':high': window.until ? justBefore(window.until) : LATEST,
        },
      },
    };
  }
  const pk = KEY.repo(registry, repository);
  return {
    keyNames: TABLE_KEY,
    partition: { pk },
    query: {
      KeyConditionExpression: 'pk = :pk AND sk BETWEEN :low AND :high',
      ExpressionAttributeValues: {
        ':pk': pk,
        // `SCAN#<until>#…` sorts after `SCAN#<until>`: until stays exclusive.
        ':low': KEY.scan(window.since ?? EARLIEST),
        ':high': KEY.scan(window.until ?? LATEST),
      },
    },
  };
}

/** One UTC day of failures (gsi2) within `[since, until)`. */
export function failureDayQuery(
  day: string,
  since: string,
  until: string
): ScanQuery {
  return {
    IndexName: 'gsi2',
    KeyConditionExpression: 'gsi2pk = :pk AND gsi2sk BETWEEN :low AND :high',
    ExpressionAttributeValues: {
      ':pk': KEY.failDay(day),
      ':low': since,
      // `<until>#…` sorts after `<until>`: until stays exclusive.
      ':high': until,
    },
  };
}

/** Adds a filter on the scan's status. */
export function withStatus(
  query: ScanQuery,
  status: ScanStatus | undefined
): ScanQuery {
  if (status === undefined) return query;
  return {
    ...query,
    FilterExpression: '#status = :status',
    ExpressionAttributeNames: { '#status': 'status' },
    ExpressionAttributeValues: {
      ...query.ExpressionAttributeValues,
      ':status': status,
    },
  };
}

/** What {@link collect} found. */
export interface Collected {
  readonly items: Record<string, unknown>[];
  /** Resume after this key; absent when the partition is done or the next item is its first. */
  readonly next?: StringKey;
  /** True when more items may follow in this partition. */
  readonly more: boolean;
  /** Queries made. */
  readonly queries: number;
}

/**
 * Runs `query` newest first until it has `need` items, the partition ends,
 * or `budget` queries were made. It asks for one item more than it needs,
 * so a page that ends the list carries no cursor (no empty last page), and
 * resumes after the last item kept, whatever DynamoDB evaluated past it.
 */
export async function collect(
  run: (query: ScanQuery) => Promise<QueryCommandOutput>,
  query: ScanQuery,
  options: {
    need: number;
    start: StringKey | undefined;
    keyNames: readonly string[];
    budget: number;
  }
): Promise<Collected> {
  const { need, keyNames, budget } = options;
  const items: Record<string, unknown>[] = [];
  let key = options.start;
  let queries = 0;
  while (queries < budget) {
    queries++;
    const output = await run({
      ...query,
      ScanIndexForward: false,
      Limit: need - items.length + 1,
      ...(key ? { ExclusiveStartKey: key } : {}),
    });
    items.push(...(output.Items ?? []));
    if (items.length > need) {
      items.length = need;
      const last = items[need - 1];
      // With need 0 (the page filled before this partition), more follow from its start.
      return {
        items,
        ...(last ? { next: keyOf(last, keyNames) } : {}),
        more: true,
        queries,
      };
    }
    key = output.LastEvaluatedKey as StringKey | undefined;
    if (!key) return { items, more: false, queries };
  }
  return { items, ...(key ? { next: key } : {}), more: true, queries };
}

/** The canonical instant one millisecond earlier. */
function justBefore(instant: string): string {
  return new Date(Date.parse(instant) - 1).toISOString();
}
