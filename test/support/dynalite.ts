/**
 * An in-process DynamoDB (dynalite, in memory) on 127.0.0.1, for adapter
 * and handler tests: conditional writes, queries and GSIs behave as on AWS
 * (reference/aws-notifications.md §3.3). Dynalite never deletes expired
 * items (nor accepts the TTL setting), so tests assert the `ttl` attribute
 * rather than expiry.
 */
import type { AddressInfo } from 'node:net';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import dynalite from 'dynalite';

export interface LocalDynamo {
  /** `http://127.0.0.1:<port>` */
  readonly endpoint: string;
  readonly client: DynamoDBClient;
  readonly documentClient: DynamoDBDocumentClient;
  stop(): Promise<void>;
}

/** Fixed credentials and region: dynalite checks neither, the SDK needs both. */
export const LOCAL_AWS = {
  region: 'us-east-1',
  credentials: { accessKeyId: 'AKIDLOCAL', secretAccessKey: 'local' },
} as const;

/** Starts dynalite on a free loopback port. */
export async function startDynalite(): Promise<LocalDynamo> {
  // No CREATING/DELETING delays: tests use tables at once.
  const server = dynalite({
    createTableMs: 0,
    deleteTableMs: 0,
    updateTableMs: 0,
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => resolve());
  });
  const { port } = server.address() as AddressInfo;
  const endpoint = `http://127.0.0.1:${port}`;
  const client = new DynamoDBClient({ ...LOCAL_AWS, endpoint });
  const documentClient = DynamoDBDocumentClient.from(client);
  return {
    endpoint,
    client,
    documentClient,
    async stop() {
      client.destroy();
      server.closeAllConnections?.();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/**
 * Creates the archscan table as the CDK stack does, from the one
 * definition the embedded store of `archscan serve` uses too.
 */
export { createArchscanTable } from '../../lib/adapters/aws/table-definition.js';

let tables = 0;

/** A fresh table name per test file or case (dynalite needs at least 3 characters). */
export function uniqueTableName(prefix = 'archscan'): string {
  tables += 1;
  return `${prefix}-${process.pid}-${tables}`;
}
