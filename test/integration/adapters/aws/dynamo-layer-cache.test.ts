import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import {
  GetObjectCommand,
  PutObjectCommand,
  S3Client,
} from '@aws-sdk/client-s3';
import { GetCommand, PutCommand } from '@aws-sdk/lib-dynamodb';
import { mockClient } from 'aws-sdk-client-mock';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  DynamoLayerCache,
  type DynamoLayerCacheOptions,
  LAYER_TTL_DAYS,
} from '../../../../lib/adapters/aws/dynamo-layer-cache.js';
import type { LayerFacts } from '../../../../lib/engine/layer/facts.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../../support/dynalite.js';
import { digestOf, TestClock } from '../../../support/scan-records.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

const NOW = '2026-11-25T12:00:00.000Z';

function facts(digest: string, files = 3): LayerFacts {
  return {
    digest,
    entries: Array.from({ length: files }, (_, i) => ({
      // Random names keep the gzipped facts as large as a real big layer's.
      path: `/usr/lib/${randomBytes(24).toString('hex')}/lib${i}.so`,
      type: 'file' as const,
      mode: 0o755,
      size: 1000 + i,
      probe: { type: 'script' as const, interpreter: '/bin/sh' },
    })),
    whiteouts: ['/etc/old.conf'],
    opaqueDirs: [],
    warnings: [],
    bytesInflated: 123_456,
  };
}

async function freshCache(options: Partial<DynamoLayerCacheOptions> = {}) {
  const tableName = uniqueTableName('layers');
  await createArchscanTable(dynamo.client, tableName);
  const cache = new DynamoLayerCache({
    client: dynamo.documentClient,
    tableName,
    clock: new TestClock(new Date(NOW)),
    ...options,
  });
  return { cache, tableName };
}

describe('DynamoLayerCache', () => {
  it('returns facts stored for the same scanner version only', async () => {
    // Prepare
    const { cache, tableName } = await freshCache();
    const layer = facts(digestOf(1));
    // Act
    await cache.put(layer, 'archscan-0.1.0/facts-1');
    // Assess
    expect(await cache.get(digestOf(1), 'archscan-0.1.0/facts-1')).toEqual(
      layer
    );
    expect(await cache.get(digestOf(1), 'archscan-0.2.0/facts-2')).toBe(
      undefined
    );
    expect(await cache.get(digestOf(2), 'archscan-0.1.0/facts-1')).toBe(
      undefined
    );
    const { Item } = await dynamo.documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: `LAYER#${digestOf(1)}`, sk: 'V#archscan-0.1.0/facts-1' },
      })
    );
    expect(Item?.facts).toBeInstanceOf(Uint8Array);
    expect(Item?.ttl).toBe(Date.parse(NOW) / 1000 + LAYER_TTL_DAYS * 86_400);
  });

  it('treats unreadable or mismatched facts as a miss', async () => {
    const { cache, tableName } = await freshCache();
    const put = (sk: string, value: Uint8Array) =>
      dynamo.documentClient.send(
        new PutCommand({
          TableName: tableName,
          Item: { pk: `LAYER#${digestOf(1)}`, sk, facts: value },
        })
      );
    await put('V#corrupt', new Uint8Array([1, 2, 3]));
    await put('V#other', gzipSync(JSON.stringify(facts(digestOf(9)))));
    expect(await cache.get(digestOf(1), 'corrupt')).toBeUndefined();
    expect(await cache.get(digestOf(1), 'other')).toBeUndefined();
  });

  it('keeps facts too large for an item in S3', async () => {
    // Prepare
    const s3 = mockClient(S3Client);
    const objects = new Map<string, Uint8Array>();
    s3.on(PutObjectCommand).callsFake((input) => {
      objects.set(input.Key, input.Body as Uint8Array);
      return {};
    });
    s3.on(GetObjectCommand).callsFake((input) => ({
      Body: { transformToByteArray: async () => objects.get(input.Key) },
    }));
    const { cache } = await freshCache({
      s3: { client: new S3Client({ region: 'us-east-1' }), bucket: 'reports' },
    });
    const layer = facts(digestOf(3), 15_000);
    // Act
    await cache.put(layer, 'v1');
    const got = await cache.get(digestOf(3), 'v1');
    s3.restore();
    // Assess
    expect([...objects.keys()]).toEqual([`layers/${digestOf(3)}/v1.json.gz`]);
    expect(got).toEqual(layer);
  });

  it('skips caching facts too large for an item when there is no bucket', async () => {
    const debug: string[] = [];
    const { cache } = await freshCache({
      log: { debug: (message) => debug.push(message) },
    });
    await cache.put(facts(digestOf(4), 15_000), 'v1');
    expect(await cache.get(digestOf(4), 'v1')).toBeUndefined();
    expect(debug).toEqual(['layer facts too large to cache without a bucket']);
  });
});
