import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  claimKey,
  DynamoClaimStore,
} from '../../../../lib/adapters/aws/dynamo-claim-store.js';
import { StoreError } from '../../../../lib/adapters/aws/store-errors.js';
import { claimStoreContract } from '../../../support/claim-store-contract.js';
import {
  createArchscanTable,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../../support/dynalite.js';
import { TestClock } from '../../../support/fakes/test-clock.js';

let dynamo: LocalDynamo;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

async function freshStore(
  clock: TestClock
): Promise<{ claims: DynamoClaimStore; tableName: string }> {
  const tableName = uniqueTableName('claims');
  await createArchscanTable(dynamo.client, tableName);
  const claims = new DynamoClaimStore({
    client: dynamo.documentClient,
    tableName,
    now: () => clock.now().getTime(),
  });
  return { claims, tableName };
}

claimStoreContract(
  'DynamoClaimStore',
  async (clock) => (await freshStore(clock)).claims
);

describe('DynamoClaimStore items', () => {
  it('writes the claim with its expiry in milliseconds and a TTL in seconds', async () => {
    // Prepare
    const clock = new TestClock('2026-11-25T12:00:00.000Z');
    const { claims, tableName } = await freshStore(clock);
    // Act
    await claims.claim('image:ghcr.io/org/app@sha256:abc', 10);
    // Assess
    const { Item } = await dynamo.documentClient.send(
      new GetCommand({
        TableName: tableName,
        Key: { pk: 'CLAIM#image:ghcr.io/org/app@sha256:abc', sk: 'CLAIM' },
      })
    );
    const expiresAt = Date.parse('2026-11-25T12:00:10.000Z');
    expect(Item).toEqual({
      pk: 'CLAIM#image:ghcr.io/org/app@sha256:abc',
      sk: 'CLAIM',
      expiresAt,
      ttl: expiresAt / 1000,
    });
  });

  it('wins over an expired item that the TTL sweeper has not deleted yet', async () => {
    // Prepare: dynalite never deletes expired items, as DynamoDB may not for days
    const clock = new TestClock('2026-11-25T12:00:00.000Z');
    const { claims, tableName } = await freshStore(clock);
    await claims.claim('delivery:ghcr:1', 60);
    clock.advance(61);
    // Act
    const again = await claims.claim('delivery:ghcr:1', 60);
    // Assess
    const { Item } = await dynamo.documentClient.send(
      new GetCommand({ TableName: tableName, Key: claimKey('delivery:ghcr:1') })
    );
    expect(again).toBe(true);
    expect(Item?.expiresAt).toBe(Date.parse('2026-11-25T12:02:01.000Z'));
  });

  it('stores a key too long for a partition key as its digest', () => {
    // Act
    const key = claimKey(`delivery:quay:${'x'.repeat(2048)}`);
    // Assess
    expect(key.pk).toMatch(/^CLAIM#sha256:[0-9a-f]{64}$/);
    expect(claimKey('image:a').pk).toBe('CLAIM#image:a');
  });

  it('turns a missing table into a StoreError naming TABLE_NAME', async () => {
    // Prepare
    const claims = new DynamoClaimStore({
      client: dynamo.documentClient,
      tableName: 'no-such-table',
    });
    // Act
    const claimed = claims.claim('image:a', 10);
    const released = claims.release('image:a');
    // Assess
    await expect(claimed).rejects.toThrow(StoreError);
    await expect(claimed).rejects.toThrow(/TABLE_NAME/);
    await expect(released).rejects.toThrow(/release image:a/);
  });
});
