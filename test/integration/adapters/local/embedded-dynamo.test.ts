import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  DescribeTableCommand,
  DynamoDBClient,
  ListTablesCommand,
} from '@aws-sdk/client-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoScanStore } from '../../../../lib/adapters/aws/dynamo-scan-store.js';
import { archscanTableInput } from '../../../../lib/adapters/aws/table-definition.js';
import {
  EMBEDDED_AWS,
  startEmbeddedDynamo,
} from '../../../../lib/adapters/local/embedded-dynamo.js';
import { ConfigError } from '../../../../lib/engine/errors.js';
import { digestOf, makeRecord } from '../../../support/scan-records.js';

let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-embedded-'));
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('startEmbeddedDynamo', () => {
  it('creates the archscan table with the keys and indexes of the stack', async () => {
    // Prepare
    const dynamo = await startEmbeddedDynamo({ dir: join(dir, 'schema') });
    const client = new DynamoDBClient({
      ...EMBEDDED_AWS,
      endpoint: dynamo.endpoint,
    });
    // Act
    const { Table } = await client.send(
      new DescribeTableCommand({ TableName: 'archscan' })
    );
    client.destroy();
    await dynamo.close();
    // Assess
    const wanted = archscanTableInput('archscan');
    expect(dynamo.tableName).toBe('archscan');
    expect(dynamo.endpoint).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(Table?.TableStatus).toBe('ACTIVE');
    expect(Table?.KeySchema).toEqual(wanted.KeySchema);
    expect(
      Table?.GlobalSecondaryIndexes?.map((i) => ({
        IndexName: i.IndexName,
        KeySchema: i.KeySchema,
        Projection: i.Projection,
      }))
    ).toEqual(wanted.GlobalSecondaryIndexes);
  });

  it('keeps history written through the scan store across a restart', async () => {
    // Prepare
    const path = join(dir, 'history');
    const record = makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      digest: digestOf(7),
      tag: 'v1',
    });
    const first = await startEmbeddedDynamo({ dir: path, tableName: 'hist' });
    await new DynamoScanStore(first).put(record);
    await first.close();
    // Act
    const second = await startEmbeddedDynamo({ dir: path, tableName: 'hist' });
    const found = await new DynamoScanStore(second).latestByDigest(digestOf(7));
    const tables = await second.client.send(new ListTablesCommand({}));
    await second.close();
    // Assess
    expect(found?.scanId).toBe(record.scanId);
    expect(found?.report).toEqual(record.report);
    expect(tables.TableNames).toEqual(['hist']);
  });

  it('refuses a second open of the same directory in one process', async () => {
    // Prepare
    const path = join(dir, 'twice');
    const first = await startEmbeddedDynamo({ dir: path });
    // Act
    const second = startEmbeddedDynamo({ dir: path });
    // Assess
    await expect(second).rejects.toBeInstanceOf(ConfigError);
    await expect(second).rejects.toThrow(/already open in this process/);
    await first.close();
    await first.close();
    const again = await startEmbeddedDynamo({ dir: path });
    await again.close();
  });

  it('names the directory it cannot create', async () => {
    // Prepare: a file where the directory's parent should be.
    const file = join(dir, 'not-a-directory');
    await writeFile(file, 'x');
    // Act
    const started = startEmbeddedDynamo({ dir: join(file, 'dynamo') });
    // Assess
    await expect(started).rejects.toBeInstanceOf(ConfigError);
    await expect(started).rejects.toThrow(
      `cannot create the store directory ${join(file, 'dynamo')}: ENOTDIR`
    );
  });
});
