/**
 * The history store of `archscan serve` when no DynamoDB is configured:
 * dynalite (a DynamoDB-compatible server on LevelDB) on 127.0.0.1, its
 * data in a directory on disk, with the archscan table created on first
 * start. The pipeline talks to it through the same DynamoDB adapters as
 * on AWS (`DynamoScanStore`, `DynamoLayerCache`, and the local
 * `DynamoJobQueue`), so conditional writes and queries behave the same.
 *
 * LevelDB appends every write to its log before answering, so data the
 * store acknowledged survives the process being killed (not a power cut:
 * writes are not fsynced). LevelDB allows one opener per directory; a
 * second process opening the same directory crashes inside dynalite, so
 * callers hold the state directory's lock (`lib/serve/state-lock.ts`)
 * first. A second open in the same process is refused here.
 */
import { mkdir } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';
import { ConfigError } from '../../engine/errors.js';
import {
  DEFAULT_TABLE_NAME,
  ensureArchscanTable,
} from '../aws/table-definition.js';

/**
 * Region and credentials of the local client: dynalite checks neither,
 * the SDK requires both. Fixed values, so no AWS credentials of the
 * machine are ever read or sent to the local server.
 */
export const EMBEDDED_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
} as const;

/** Options of {@link startEmbeddedDynamo}. */
export interface EmbeddedDynamoOptions {
  /** LevelDB directory, created when missing (e.g. `<stateDir>/dynamo`). */
  readonly dir: string;
  /** @default 'archscan' */
  readonly tableName?: string;
}

/** A running embedded store. */
export interface EmbeddedDynamo {
  /** `http://127.0.0.1:<port>`, for other clients (e.g. `archscan history --endpoint`). */
  readonly endpoint: string;
  /** A document client for the adapters (undefined values removed on write, as on AWS). */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Stops the server and closes LevelDB; safe to call twice. */
  close(): Promise<void>;
}

/** Directories open in this process (LevelDB refuses a second opener). */
const openDirs = new Set<string>();

/**
 * Starts dynalite on an ephemeral loopback port with its data in `dir`,
 * and creates the archscan table when it is missing.
 *
 * @example
 * const dynamo = await startEmbeddedDynamo({ dir: '.archscan/dynamo' });
 * const store = new DynamoScanStore({ client: dynamo.client, tableName: dynamo.tableName });
 * // …
 * await dynamo.close();
 * @throws ConfigError when `dir` is already open in this process or cannot be created.
 * @throws StoreError when the table cannot be created.
 */
export async function startEmbeddedDynamo(
  options: EmbeddedDynamoOptions
): Promise<EmbeddedDynamo> {
  const dir = resolve(options.dir);
  const tableName = options.tableName ?? DEFAULT_TABLE_NAME;
  if (openDirs.has(dir)) {
    throw new ConfigError(
      `the embedded store in ${dir} is already open in this process; close it before starting it again`
    );
  }
  await makeDir(dir);
  openDirs.add(dir);
  // No CREATING/UPDATING delays: the table is usable as soon as it exists.
  const server = dynalite({
    path: dir,
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(0, '127.0.0.1', () => {
        server.off('error', fail);
        done();
      });
    });
  } catch (error) {
    openDirs.delete(dir);
    throw new ConfigError(
      `cannot start the embedded store on 127.0.0.1: ${(error as Error).message}`,
      { cause: error }
    );
  }
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const base = new DynamoDBClient({ ...EMBEDDED_AWS, endpoint });
  const client = DynamoDBDocumentClient.from(base, {
    marshallOptions: { removeUndefinedValues: true },
  });
  let closing: Promise<void> | undefined;
  const close = () => {
    closing ??= (async () => {
      base.destroy();
      server.closeAllConnections();
      await new Promise<void>((done) => server.close(() => done()));
      openDirs.delete(dir);
    })();
    return closing;
  };
  try {
    await ensureArchscanTable(base, tableName);
  } catch (error) {
    await close();
    throw error;
  }
  return { endpoint, client, tableName, close };
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(
      `cannot create the store directory ${dir}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; choose a writable stateDir`,
      { cause: error }
    );
  }
}
