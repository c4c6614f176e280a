/**
 * Reports too large for a DynamoDB item, kept by `archscan serve` in its
 * state directory: stored apart, read back whole, never outside the directory.
 */
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DynamoScanStore } from '../../../../lib/adapters/aws/dynamo-scan-store.js';
import { FileBlobStore } from '../../../../lib/adapters/local/file-blob-store.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../../support/dynalite.js';
import { makeRecord, manyMismatches } from '../../../support/scan-records.js';

let dynamo: LocalDynamo;
let dir: string;

beforeAll(async () => {
  dynamo = await startDynalite();
  dir = await mkdtemp(join(tmpdir(), 'archscan-blobs-'));
});

afterAll(async () => {
  await dynamo?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('FileBlobStore', () => {
  it('keeps a report of 50,000 findings apart and reads it back whole', async () => {
    // Prepare
    const tableName = uniqueTableName('blobs');
    await createArchscanTable(dynamo.client, tableName);
    const blobs = join(dir, 'store');
    const store = new DynamoScanStore({
      client: dynamo.documentClient,
      tableName,
      reports: new FileBlobStore(blobs),
    });
    const record = makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      status: 'fail',
      findings: manyMismatches(50_000),
    });
    // Act
    await store.put(record);
    const got = await store.get(
      record.registry,
      record.repository,
      record.scanId
    );
    // Assess
    expect(got).toEqual(record);
    expect(
      await readdir(join(blobs, 'reports'), { recursive: true })
    ).toContain(`registry.example.com/team/app/${record.scanId}.json.gz`);
  });

  it('answers a missing blob as not found', async () => {
    const error = await new FileBlobStore(dir)
      .get('reports/none.json.gz')
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ name: 'StoreError', code: 'not-found' });
  });

  it('refuses a key that would leave its directory', async () => {
    const store = new FileBlobStore(join(dir, 'inner'));
    for (const key of ['../escape', 'a/../../escape', '..']) {
      await expect(store.put(key, new Uint8Array([1]))).rejects.toMatchObject({
        code: 'config',
      });
    }
    expect(await readdir(dir)).not.toContain('escape');
  });
});
