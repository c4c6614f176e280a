/**
 * An in-process DynamoDB (dynalite, in memory) on 127.0.0.1, for adapter
 * and handler tests: conditional writes, queries and GSIs behave as on AWS
 * (reference/aws-notifications.md §3.3). Dynalite never deletes expired
 * items (nor accepts the TTL setting), so tests assert the `ttl` attribute
 * rather than expiry.
 */
import type { AddressInfo } from 'node:net';
import { CreateTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
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

const gsi = (n: 1 | 2 | 3) => ({
  IndexName: `gsi${n}`,
  KeySchema: [
    { AttributeName: `gsi${n}pk`, KeyType: 'HASH' as const },
    { AttributeName: `gsi${n}sk`, KeyType: 'RANGE' as const },
  ],
  Projection: { ProjectionType: 'ALL' as const },
});

/**
 * Creates the archscan table as the CDK stack does: `pk`/`sk`, GSIs
 * `gsi1`..`gsi3` projecting all attributes, on-demand. The stack also turns
 * on TTL for `ttl`; dynalite 4 answers `UpdateTimeToLive` with
 * `UnknownOperationException`, so that setting is left out here.
 */
export async function createArchscanTable(
  client: DynamoDBClient,
  tableName: string
): Promise<void> {
  const attributes = ['pk', 'sk', 'gsi1pk', 'gsi1sk', 'gsi2pk', 'gsi2sk'];
  attributes.push('gsi3pk', 'gsi3sk');
  await client.send(
    new CreateTableCommand({
      TableName: tableName,
      BillingMode: 'PAY_PER_REQUEST',
      AttributeDefinitions: attributes.map((name) => ({
        AttributeName: name,
        AttributeType: 'S',
      })),
      KeySchema: [
        { AttributeName: 'pk', KeyType: 'HASH' },
        { AttributeName: 'sk', KeyType: 'RANGE' },
      ],
      GlobalSecondaryIndexes: [gsi(1), gsi(2), gsi(3)],
    })
  );
}

let tables = 0;

/** A fresh table name per test file or case (dynalite needs at least 3 characters). */
export function uniqueTableName(prefix = 'archscan'): string {
  tables += 1;
  return `${prefix}-${process.pid}-${tables}`;
}
