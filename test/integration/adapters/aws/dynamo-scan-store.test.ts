import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  DynamoScanStore,
  type DynamoScanStoreOptions,
} from '../../../../lib/adapters/aws/dynamo-scan-store.js';
import { S3BlobStore } from '../../../../lib/adapters/aws/s3-blobs.js';
import { MAX_STORED_NEW_FINDINGS } from '../../../../lib/adapters/aws/scan-item.js';
import { StoreError } from '../../../../lib/adapters/aws/store-errors.js';
import { LimitExceededError } from '../../../../lib/engine/errors.js';
import { toScanRecord } from '../../../../lib/engine/history/summarize.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../../support/dynalite.js';
import {
  digestOf,
  makeRecord,
  manyMismatches,
  TestClock,
} from '../../../support/scan-records.js';
import { scanStoreContract } from '../../../support/scan-store-contract.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

async function freshStore(
  options: Partial<DynamoScanStoreOptions> = {}
): Promise<{ store: DynamoScanStore; tableName: string }> {
  const tableName = uniqueTableName();
  await createArchscanTable(dynamo.client, tableName);
  const store = new DynamoScanStore({
    client: dynamo.documentClient,
    tableName,
    ...options,
  });
  return { store, tableName };
}

async function rawItem(tableName: string, pk: string, sk: string) {
  const { Item } = await dynamo.documentClient.send(
    new GetCommand({ TableName: tableName, Key: { pk, sk } })
  );
  return Item;
}

scanStoreContract(
  'DynamoScanStore',
  async (clock) => (await freshStore({ clock })).store
);

describe('DynamoScanStore items', () => {
  it('writes the documented keys, sparse indexes and ttl', async () => {
    // Prepare
    const { store, tableName } = await freshStore({ ttlDays: 30 });
    const failed = makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      tag: '1.0',
      status: 'fail',
    });
    const unresolved = makeRecord({
      scannedAt: '2026-11-25T11:00:00.000Z',
      digest: null,
      status: 'pass',
    });
    // Act
    await store.put(failed);
    await store.put(unresolved);
    // Assess
    const item = await rawItem(
      tableName,
      'REPO#registry.example.com/team/app',
      `SCAN#2026-11-25T10:00:00.000Z#${digestOf(1)}`
    );
    expect(item).toMatchObject({
      gsi1pk: `DIGEST#${digestOf(1)}`,
      gsi1sk: '2026-11-25T10:00:00.000Z',
      gsi2pk: 'FAIL#2026-11-25',
      gsi2sk: '2026-11-25T10:00:00.000Z#registry.example.com/team/app',
      gsi3pk: 'TAG#registry.example.com/team/app:1.0',
      gsi3sk: '2026-11-25T10:00:00.000Z',
      ttl: Date.parse('2026-11-25T10:00:00.000Z') / 1000 + 30 * 86_400,
      status: 'fail',
      counts: { error: 1, warning: 0, byKind: { 'binary-arch-mismatch': 1 } },
    });
    expect(item?.report).toBeInstanceOf(Uint8Array);
    expect(item?.reportKey).toBeUndefined();
    const bare = await rawItem(
      tableName,
      'REPO#registry.example.com/team/app',
      'SCAN#2026-11-25T11:00:00.000Z#unresolved'
    );
    expect(bare).toBeDefined();
    for (const name of ['gsi1pk', 'gsi2pk', 'gsi3pk', 'digest', 'tag']) {
      expect(bare).not.toHaveProperty(name);
    }
  });

  it('writes no ttl when history is kept forever', async () => {
    const { store, tableName } = await freshStore({ ttlDays: 0 });
    const record = makeRecord({ scannedAt: '2026-11-25T10:00:00.000Z' });
    await store.put(record);
    const item = await rawItem(
      tableName,
      'REPO#registry.example.com/team/app',
      `SCAN#${record.scanId}`
    );
    expect(item?.scanId).toBe(record.scanId);
    expect(item).not.toHaveProperty('ttl');
  });

  it('keeps a year of history by default', async () => {
    const { store, tableName } = await freshStore();
    const record = makeRecord({ scannedAt: '2026-11-25T10:00:00.000Z' });
    await store.put(record);
    const item = await rawItem(
      tableName,
      'REPO#registry.example.com/team/app',
      `SCAN#${record.scanId}`
    );
    expect(item?.ttl).toBe(Date.parse(record.scannedAt) / 1000 + 365 * 86_400);
  });

  it('caps the new findings of a regression kept in the item', async () => {
    const { store } = await freshStore();
    const before = makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      tag: 'x',
      findings: [],
    });
    const after = toScanRecord(
      {
        ...makeRecord({
          scannedAt: '2026-11-25T11:00:00.000Z',
          tag: 'x',
          digest: digestOf(2),
          findings: manyMismatches(1500),
        }).report,
        status: 'fail',
      },
      { registry: before.registry, repository: before.repository, tag: 'x' },
      before
    );
    expect(after.regression?.newFindings).toHaveLength(1500);
    await store.put(after);
    const got = await store.get(after.registry, after.repository, after.scanId);
    expect(got?.regression?.newFindings).toHaveLength(MAX_STORED_NEW_FINDINGS);
    expect(got?.report.findings).toHaveLength(1500);
  });

  it('resumes a long failure window where its query budget ran out', async () => {
    // Prepare: one failure 40 days back, nothing in the days after it.
    const { store } = await freshStore({
      clock: new TestClock(new Date('2026-11-25T12:00:00.000Z')),
    });
    const old = makeRecord({
      scannedAt: '2026-10-16T09:00:00.000Z',
      status: 'error',
    });
    await store.put(old);
    // Act
    const first = await store.listFailures({ since: '2026-10-10' });
    const second = await store.listFailures({
      since: '2026-10-10',
      cursor: first.cursor,
    });
    // Assess: the first page spent its queries on empty days.
    expect(first.items).toEqual([]);
    expect(first.cursor).toBeDefined();
    expect(second.items.map((s) => s.scanId)).toEqual([old.scanId]);
    expect(second.cursor).toBeUndefined();
  });

  it('maps a missing table to a configuration error', async () => {
    const store = new DynamoScanStore({
      client: dynamo.documentClient,
      tableName: 'no-such-table',
    });
    const error = await store
      .latestByDigest(digestOf(1))
      .catch((e: unknown) => e);
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code: 'config', retryable: false });
    expect(String((error as Error).message)).toContain('no-such-table');
  });
});

describe('DynamoScanStore with a report of 50,000 findings', () => {
  const s3 = mockClient(S3Client);
  const objects = new Map<string, Uint8Array>();

  beforeEach(() => {
    s3.reset();
    objects.clear();
    s3.on(PutObjectCommand).callsFake((input) => {
      objects.set(`${input.Bucket}/${input.Key}`, input.Body as Uint8Array);
      return {};
    });
    s3.on(GetObjectCommand).callsFake((input) => {
      const bytes = objects.get(`${input.Bucket}/${input.Key}`);
      if (!bytes) {
        throw Object.assign(new Error('The specified key does not exist.'), {
          name: 'NoSuchKey',
        });
      }
      return { Body: { transformToByteArray: async () => bytes } };
    });
  });

  afterAll(() => {
    s3.restore();
  });

  const huge = () =>
    makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      tag: 'cuda-12',
      status: 'fail',
      findings: manyMismatches(50_000),
    });

  it('moves the report to S3 and keeps the item under 400 KB', async () => {
    // Prepare
    const { store, tableName } = await freshStore({
      reports: new S3BlobStore({
        client: new S3Client({ region: 'us-east-1' }),
        bucket: 'reports-bucket',
      }),
    });
    const record = huge();
    // Act
    await store.put(record);
    const got = await store.get(
      record.registry,
      record.repository,
      record.scanId
    );
    const latest = await store.latestByDigest(digestOf(1));
    // Assess
    const key = `reports/registry.example.com/team/app/${record.scanId}.json.gz`;
    expect([...objects.keys()]).toEqual([`reports-bucket/${key}`]);
    expect(objects.get(`reports-bucket/${key}`)?.length).toBeGreaterThan(
      350 * 1024
    );
    const item = await rawItem(
      tableName,
      'REPO#registry.example.com/team/app',
      `SCAN#${record.scanId}`
    );
    expect(item?.reportKey).toBe(key);
    expect(item).not.toHaveProperty('report');
    expect(Buffer.byteLength(JSON.stringify(item))).toBeLessThan(400 * 1024);
    expect(got).toEqual(record);
    expect(latest?.report.findings).toHaveLength(50_000);
  });

  it('keeps a report of 3,000 findings inline, without S3', async () => {
    const { store, tableName } = await freshStore({
      reports: new S3BlobStore({
        client: new S3Client({ region: 'us-east-1' }),
        bucket: 'reports-bucket',
      }),
    });
    const record = makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      status: 'fail',
      findings: manyMismatches(3000),
    });
    await store.put(record);
    const item = await rawItem(
      tableName,
      'REPO#registry.example.com/team/app',
      `SCAN#${record.scanId}`
    );
    expect(item?.report).toBeInstanceOf(Uint8Array);
    expect(objects.size).toBe(0);
    expect(
      await store.get(record.registry, record.repository, record.scanId)
    ).toEqual(record);
  });

  it('refuses the report when no bucket is configured', async () => {
    const { store } = await freshStore();
    await expect(store.put(huge())).rejects.toBeInstanceOf(LimitExceededError);
  });

  it('reports an S3 object gone missing as not found', async () => {
    const { store } = await freshStore({
      reports: new S3BlobStore({
        client: new S3Client({ region: 'us-east-1' }),
        bucket: 'reports-bucket',
      }),
    });
    const record = huge();
    await store.put(record);
    objects.clear();
    await expect(
      store.get(record.registry, record.repository, record.scanId)
    ).rejects.toMatchObject({ name: 'StoreError', code: 'not-found' });
  });
});
