/**
 * `archscan history`: read scan history from the DynamoDB table the AWS
 * pipeline (or `archscan serve`) writes: scans of a repository newest
 * first, failures across repositories, or the newest scan of a digest.
 * Parameters are validated by the same use case as the history API, so
 * both refuse the same mistakes with the same words.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoScanStore } from '../adapters/aws/dynamo-scan-store.js';
import { S3BlobStore } from '../adapters/aws/s3-blobs.js';
import type { ScanSummary } from '../engine/history/scan-record.js';
import type { Page, ScanStore } from '../ports/scan-store.js';
import { latestScanOfDigest, listScans } from '../usecases/history.js';
import { shortDigest } from './format-size.js';
import { formatTable } from './format-table.js';
import { type CliIo, ExitCode } from './io.js';

/** Options of {@link historyCommand}, as the command line gives them. */
export interface HistoryCommandOptions {
  /** The newest scan of this digest, with its report (other filters ignored). */
  readonly digest?: string;
  readonly registry?: string;
  readonly repository?: string;
  readonly tag?: string;
  readonly status?: string;
  readonly since?: string;
  readonly until?: string;
  readonly limit?: string;
  readonly cursor?: string;
  readonly format: 'table' | 'json';
}

/** Where history lives. */
export interface HistoryStoreOptions {
  readonly tableName: string;
  /** Bucket holding reports too large for the table. */
  readonly reportsBucket?: string;
  readonly region?: string;
  /** A DynamoDB-compatible endpoint (e.g. a local one); default: AWS. */
  readonly endpoint?: string;
}

/**
 * Opens the history table with the default AWS credential chain.
 *
 * @example const store = openHistoryStore({ tableName: 'archscan', region: 'eu-west-1' });
 */
export function openHistoryStore(options: HistoryStoreOptions): ScanStore {
  const clientConfig = {
    ...(options.region ? { region: options.region } : {}),
  };
  const dynamo = new DynamoDBClient({
    ...clientConfig,
    ...(options.endpoint ? { endpoint: options.endpoint } : {}),
  });
  return new DynamoScanStore({
    client: DynamoDBDocumentClient.from(dynamo),
    tableName: options.tableName,
    ...(options.reportsBucket
      ? {
          reports: new S3BlobStore({
            client: new S3Client(clientConfig),
            bucket: options.reportsBucket,
          }),
        }
      : {}),
  });
}

/**
 * Prints history; returns the exit code (2 when a digest has no scan).
 *
 * @throws ConfigError for bad parameters (the caller prints the message).
 * @example await historyCommand(store, { status: 'fail', format: 'table' }, io)
 */
export async function historyCommand(
  store: ScanStore,
  options: HistoryCommandOptions,
  io: CliIo
): Promise<number> {
  const { digest, format, ...params } = options;
  if (digest !== undefined) {
    const record = await latestScanOfDigest(store, digest);
    if (!record) {
      io.stderr.write(`archscan: no scan of ${digest} in history\n`);
      return ExitCode.error;
    }
    io.stdout.write(
      format === 'json'
        ? `${JSON.stringify(record, null, 2)}\n`
        : formatTable(record.report)
    );
    return ExitCode.ok;
  }
  const page = await listScans(store, params);
  io.stdout.write(
    format === 'json'
      ? `${JSON.stringify(page, null, 2)}\n`
      : formatHistory(page)
  );
  if (format === 'table' && page.cursor) {
    io.stderr.write(`more: --cursor ${page.cursor}\n`);
  }
  return ExitCode.ok;
}

/** One line per scan: time, verdict, error/warning counts, image, digest. */
export function formatHistory(page: Page<ScanSummary>): string {
  if (!page.items.length) return 'no scans\n';
  const rows = page.items.map((s) => [
    s.scannedAt,
    s.status.toUpperCase(),
    `${s.counts.error}E ${s.counts.warning}W`,
    `${s.registry}/${s.repository}${s.tag ? `:${s.tag}` : ''}`,
    shortDigest(s.digest),
  ]);
  const widths = rows[0]?.map((_, i) =>
    Math.max(...rows.map((row) => row[i]?.length ?? 0))
  );
  return rows
    .map(
      (row) =>
        `${row
          .map((cell, i) =>
            i === row.length - 1 ? cell : cell.padEnd(widths?.[i] ?? 0)
          )
          .join('  ')}\n`
    )
    .join('');
}
