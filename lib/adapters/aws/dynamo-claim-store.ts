/**
 * `ClaimStore` on the scan-history table (key design in
 * `dynamo-scan-store.ts`): one item per claim, pk `CLAIM#<key>`, sk
 * `CLAIM`, with `expiresAt` (epoch milliseconds) and `ttl` (epoch seconds,
 * for DynamoDB's TTL sweeper).
 *
 * A claim is a conditional put that succeeds when no item exists or the
 * existing one has expired. DynamoDB deletes expired items lazily (often
 * days later), so the condition reads `expiresAt` and never trusts `ttl`
 * alone. Concurrent claims of one key are serialized by DynamoDB: exactly
 * one put passes its condition.
 */
import { createHash } from 'node:crypto';
import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { ClaimStore } from '../../ports/claims.js';
import { storeError } from './store-errors.js';

/**
 * Longest key stored as written. DynamoDB allows 2,048 bytes of partition
 * key; longer keys (a delivery id is the sender's choice) are stored as
 * their SHA-256, which keeps them unique and within the limit.
 */
export const MAX_CLAIM_KEY_BYTES = 1024;

/** Options of {@link DynamoClaimStore}. */
export interface DynamoClaimStoreOptions {
  /** Built once by the composition root. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** The current time in epoch milliseconds; tests pass a test clock's. */
  readonly now?: () => number;
}

/**
 * Claims in DynamoDB, shared by every process that uses the table.
 *
 * @example
 * const claims = new DynamoClaimStore({ client: documentClient, tableName: config.tableName });
 * if (await claims.claim('image:ghcr.io/org/app@sha256:…', 10)) await queue.send(request, 10);
 */
export class DynamoClaimStore implements ClaimStore {
  private readonly client: DynamoDBDocumentClient;
  private readonly tableName: string;
  private readonly now: () => number;

  constructor(options: DynamoClaimStoreOptions) {
    this.client = options.client;
    this.tableName = options.tableName;
    this.now = options.now ?? Date.now;
  }

  /**
   * @throws StoreError when DynamoDB fails (a missing table names TABLE_NAME).
   */
  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.now();
    const expiresAt = now + Math.max(0, ttlSeconds) * 1000;
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            ...claimKey(key),
            expiresAt,
            ttl: Math.ceil(expiresAt / 1000),
          },
          ConditionExpression: 'attribute_not_exists(pk) OR expiresAt < :now',
          ExpressionAttributeValues: { ':now': now },
        })
      );
      return true;
    } catch (error) {
      if ((error as Error).name === 'ConditionalCheckFailedException') {
        return false;
      }
      throw storeError(error, `claim ${key}`, `table ${this.tableName}`);
    }
  }

  /**
   * Deletes the claim, whoever holds it: callers release only right after
   * their own claim, well within its window.
   *
   * @throws StoreError when DynamoDB fails.
   */
  async release(key: string): Promise<void> {
    try {
      await this.client.send(
        new DeleteCommand({ TableName: this.tableName, Key: claimKey(key) })
      );
    } catch (error) {
      throw storeError(error, `release ${key}`, `table ${this.tableName}`);
    }
  }
}

/** The item key of a claim; `CLAIM#` collides with no other prefix in the table. */
export function claimKey(key: string): { pk: string; sk: string } {
  const stored =
    Buffer.byteLength(key, 'utf8') > MAX_CLAIM_KEY_BYTES
      ? `sha256:${createHash('sha256').update(key, 'utf8').digest('hex')}`
      : key;
  return { pk: `CLAIM#${stored}`, sk: 'CLAIM' };
}
