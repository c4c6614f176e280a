/**
 * Where `archscan history` reads from: the DynamoDB table (`--table`,
 * AWS credentials from the usual chain) or a history API over HTTP
 * (`--api`, an optional bearer token), exactly one of them. Flags win over
 * the environment (`ARCHSCAN_TABLE`, `ARCHSCAN_API`, `ARCHSCAN_API_TOKEN`,
 * `ARCHSCAN_REPORTS_BUCKET`).
 */
import { HistoryApiClient } from '../adapters/http/history-api-client.js';
import { ConfigError } from '../engine/errors.js';
import type { ScanStore } from '../ports/scan-store.js';
import { openHistoryStore } from './history-command.js';

/** The source options of `archscan history`, as the command line gives them. */
export interface HistorySourceOptions {
  readonly table?: string;
  readonly reportsBucket?: string;
  readonly region?: string;
  readonly endpoint?: string;
  readonly api?: string;
  readonly apiToken?: string;
}

/**
 * Opens the table or the API the options and environment name.
 *
 * @throws ConfigError when neither or both are named, or when table-only
 *   options come with `--api`.
 * @example const store = openHistorySource({ api: 'http://127.0.0.1:8080' }, process.env);
 */
export function openHistorySource(
  options: HistorySourceOptions,
  env: Readonly<Record<string, string | undefined>>
): ScanStore {
  const source = pickSource(options, env);
  if (source.kind === 'table') {
    const reportsBucket = options.reportsBucket ?? env.ARCHSCAN_REPORTS_BUCKET;
    return openHistoryStore({
      tableName: source.value,
      ...(reportsBucket ? { reportsBucket } : {}),
      ...(options.region ? { region: options.region } : {}),
      ...(options.endpoint ? { endpoint: options.endpoint } : {}),
    });
  }
  const tableOnly = (['reportsBucket', 'region', 'endpoint'] as const).filter(
    (key) => options[key] !== undefined
  );
  if (tableOnly.length) {
    throw new ConfigError(
      `${tableOnly.map(flagName).join(', ')} only apply with --table, not with --api`
    );
  }
  const token = options.apiToken ?? env.ARCHSCAN_API_TOKEN;
  return new HistoryApiClient({
    url: source.value,
    ...(token ? { token } : {}),
  });
}

function pickSource(
  options: HistorySourceOptions,
  env: Readonly<Record<string, string | undefined>>
): { kind: 'table' | 'api'; value: string } {
  const fromFlags = choose(options.table, options.api, '--table', '--api');
  if (fromFlags) return fromFlags;
  const fromEnv = choose(
    env.ARCHSCAN_TABLE || undefined,
    env.ARCHSCAN_API || undefined,
    'ARCHSCAN_TABLE',
    'ARCHSCAN_API'
  );
  if (fromEnv) return fromEnv;
  throw new ConfigError(
    'archscan history needs --table (or ARCHSCAN_TABLE): the name of the archscan DynamoDB table, or --api (or ARCHSCAN_API): the URL of a history API'
  );
}

function choose(
  table: string | undefined,
  api: string | undefined,
  tableName: string,
  apiName: string
): { kind: 'table' | 'api'; value: string } | undefined {
  if (table !== undefined && api !== undefined) {
    throw new ConfigError(
      `${tableName} and ${apiName} are alternatives: read either the table or the API`
    );
  }
  if (table !== undefined) return { kind: 'table', value: table };
  if (api !== undefined) return { kind: 'api', value: api };
  return undefined;
}

function flagName(key: string): string {
  return `--${key.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)}`;
}
