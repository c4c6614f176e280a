/**
 * The archscan table as a `CreateTable` request: the same keys and indexes
 * as the CDK `FindingsTable` construct (`lib/infra/constructs/findings-table.ts`),
 * for the tables the stack does not create — the embedded store of
 * `archscan serve`, a DynamoDB-compatible endpoint, tests. Infrastructure
 * code may not import adapters, so the construct keeps its own copy;
 * `test/infra/table-definition.test.ts` checks that both agree.
 *
 * TTL on `ttl` is left out: the stack turns it on, but dynalite answers
 * `UpdateTimeToLive` with `UnknownOperationException`, so local history
 * never expires by itself.
 */
import {
  type AttributeDefinition,
  CreateTableCommand,
  type CreateTableCommandInput,
  DescribeTableCommand,
  type DynamoDBClient,
  type GlobalSecondaryIndex,
} from '@aws-sdk/client-dynamodb';
import { StoreError, storeError } from './store-errors.js';

/** Names of the global secondary indexes (by digest, failures, by tag). */
export const ARCHSCAN_TABLE_INDEXES = ['gsi1', 'gsi2', 'gsi3'] as const;

/** Name of the table `archscan serve` creates when none is configured. */
export const DEFAULT_TABLE_NAME = 'archscan';

/**
 * How often, and for how long, {@link ensureArchscanTable} looks for the
 * table to become `ACTIVE`: dynalite with `createTableMs: 0` is ready at
 * once, a real endpoint within seconds.
 */
const ACTIVE_POLL_MS = 100;
const ACTIVE_WAIT_MS = 60_000;

/**
 * The `CreateTable` input: `pk`/`sk` strings, GSIs `gsi1`..`gsi3` on
 * `gsiNpk`/`gsiNsk` projecting all attributes, on-demand billing.
 *
 * @example
 * await client.send(new CreateTableCommand(archscanTableInput('archscan')));
 */
export function archscanTableInput(tableName: string): CreateTableCommandInput {
  const keys = ['pk', 'sk'];
  for (const name of ARCHSCAN_TABLE_INDEXES)
    keys.push(`${name}pk`, `${name}sk`);
  const attributes: AttributeDefinition[] = keys.map((name) => ({
    AttributeName: name,
    AttributeType: 'S',
  }));
  const indexes: GlobalSecondaryIndex[] = ARCHSCAN_TABLE_INDEXES.map(
    (name) => ({
      IndexName: name,
      KeySchema: [
        { AttributeName: `${name}pk`, KeyType: 'HASH' },
        { AttributeName: `${name}sk`, KeyType: 'RANGE' },
      ],
      Projection: { ProjectionType: 'ALL' },
    })
  );
  return {
    TableName: tableName,
    // Pushes come in bursts and are idle for hours: on-demand fits.
    BillingMode: 'PAY_PER_REQUEST',
    AttributeDefinitions: attributes,
    KeySchema: [
      { AttributeName: 'pk', KeyType: 'HASH' },
      { AttributeName: 'sk', KeyType: 'RANGE' },
    ],
    GlobalSecondaryIndexes: indexes,
  };
}

/**
 * Creates the table; fails if it exists.
 *
 * @example
 * await createArchscanTable(client, 'archscan');
 * @throws StoreError when the endpoint refuses (including `ResourceInUseException`).
 */
export async function createArchscanTable(
  client: DynamoDBClient,
  tableName: string
): Promise<void> {
  try {
    await client.send(new CreateTableCommand(archscanTableInput(tableName)));
  } catch (error) {
    throw storeError(error, `create table ${tableName}`, tableName);
  }
}

/**
 * Creates the table when it is missing, then waits until it is `ACTIVE`.
 * An existing table is used as it is (its schema is not compared).
 *
 * @example
 * await ensureArchscanTable(client, 'archscan');
 * @returns true when the table was created by this call.
 * @throws StoreError when the endpoint fails or the table never becomes active.
 */
export async function ensureArchscanTable(
  client: DynamoDBClient,
  tableName: string
): Promise<boolean> {
  let created = false;
  let status = await tableStatus(client, tableName);
  if (status === undefined) {
    try {
      await client.send(new CreateTableCommand(archscanTableInput(tableName)));
      created = true;
    } catch (error) {
      // Another process created it between the two calls: use theirs.
      if ((error as Error).name !== 'ResourceInUseException') {
        throw storeError(error, `create table ${tableName}`, tableName);
      }
    }
    status = await tableStatus(client, tableName);
  }
  const deadline = Date.now() + ACTIVE_WAIT_MS;
  while (status !== 'ACTIVE') {
    if (Date.now() > deadline) {
      throw new StoreError(
        `table ${tableName} is ${status ?? 'missing'}, not ACTIVE, after ${ACTIVE_WAIT_MS / 1000} s; check the DynamoDB endpoint`,
        { retryable: true }
      );
    }
    await new Promise((resolve) => setTimeout(resolve, ACTIVE_POLL_MS));
    status = await tableStatus(client, tableName);
  }
  return created;
}

async function tableStatus(
  client: DynamoDBClient,
  tableName: string
): Promise<string | undefined> {
  try {
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: tableName })
    );
    return Table?.TableStatus ?? 'UNKNOWN';
  } catch (error) {
    if ((error as Error).name === 'ResourceNotFoundException') return undefined;
    throw storeError(error, `describe table ${tableName}`, tableName);
  }
}
