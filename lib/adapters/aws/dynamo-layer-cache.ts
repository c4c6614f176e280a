/**
 * `LayerCache` in the scan-history table (key design in
 * `dynamo-scan-store.ts`): one item per layer and scanner version,
 * pk `LAYER#<digest>`, sk `V#<scanner version>`, the facts as gzipped JSON
 * in the Binary attribute `facts`. Facts of a layer with very many files
 * can pass the 400 KB item limit even gzipped; they go to S3 under
 * `layers/<digest>/<scanner version>.json.gz` (attribute `factsKey`), or,
 * with no bucket, are not cached at all: a cache miss only costs a
 * download. Items expire after {@link LAYER_TTL_DAYS}.
 */
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '@aws-sdk/lib-dynamodb';
import type { LayerFacts } from '../../engine/layer/facts.js';
import { type Clock, systemClock } from '../../ports/clock.js';
import type { LayerCache } from '../../ports/layer-cache.js';
import { ITEM_BUDGET_BYTES } from './dynamo-scan-store.js';
import { fromGzipJson, toGzipJson } from './gzip-json.js';
import { getObjectBytes, putGzipObject, type S3Location } from './s3-blobs.js';
import { storeError } from './store-errors.js';

/**
 * Days a layer's facts are kept after its last scan: base layers are
 * shared by many images and rescanned often; a layer unseen for three
 * months is likely gone from every tag.
 */
export const LAYER_TTL_DAYS = 90;

/** Where skipped writes are told; Powertools' `Logger` fits. */
export interface DebugLog {
  debug(message: string, ...extra: Record<string, unknown>[]): void;
}

/** Options of {@link DynamoLayerCache}. */
export interface DynamoLayerCacheOptions {
  /** Built once by the composition root. */
  readonly client: DynamoDBDocumentClient;
  readonly tableName: string;
  /** Where facts too large for an item go; without it they are not cached. */
  readonly s3?: S3Location;
  readonly clock?: Clock;
  readonly log?: DebugLog;
}

/**
 * Layer facts cached in DynamoDB.
 *
 * @example
 * const cache = new DynamoLayerCache({ client: documentClient, tableName: config.tableName });
 * const facts = await cache.get('sha256:…', SCANNER_VERSION);
 */
export class DynamoLayerCache implements LayerCache {
  private readonly options: DynamoLayerCacheOptions;

  constructor(options: DynamoLayerCacheOptions) {
    this.options = options;
  }

  async get(
    digest: string,
    scannerVersion: string
  ): Promise<LayerFacts | undefined> {
    const { client, tableName, s3 } = this.options;
    const what = `get facts of layer ${digest}`;
    try {
      const { Item } = await client.send(
        new GetCommand({
          TableName: tableName,
          Key: key(digest, scannerVersion),
        })
      );
      if (!Item) return undefined;
      const inline = Item.facts as Uint8Array | undefined;
      const factsKey = Item.factsKey as string | undefined;
      const bytes =
        inline ??
        (factsKey && s3 ? await getObjectBytes(s3, factsKey) : undefined);
      if (!bytes) return undefined;
      return await this.decode(bytes, digest);
    } catch (error) {
      throw storeError(error, what, `table ${tableName}`);
    }
  }

  /** Facts from stored bytes; anything unreadable is a miss, so the layer is scanned again. */
  private async decode(
    bytes: Uint8Array,
    digest: string
  ): Promise<LayerFacts | undefined> {
    try {
      const facts = await fromGzipJson<LayerFacts>(bytes, `facts of ${digest}`);
      // A record for another layer is never facts for this one.
      return facts.digest === digest && Array.isArray(facts.entries)
        ? facts
        : undefined;
    } catch (error) {
      this.options.log?.debug('cached layer facts unreadable; scanning again', {
        layer: digest,
        error: (error as Error).message,
      });
      return undefined;
    }
  }

  async put(facts: LayerFacts, scannerVersion: string): Promise<void> {
    const { client, tableName, s3, log } = this.options;
    const now = (this.options.clock ?? systemClock).now();
    const item: Record<string, unknown> = {
      ...key(facts.digest, scannerVersion),
      ttl: Math.floor(now.getTime() / 1000) + LAYER_TTL_DAYS * 86_400,
    };
    const bytes = await toGzipJson(facts);
    // 1 KB covers the keys, the ttl and the attribute names.
    if (bytes.length + 1024 <= ITEM_BUDGET_BYTES) {
      item.facts = bytes;
    } else if (s3) {
      const factsKey = `layers/${facts.digest}/${scannerVersion}.json.gz`;
      await putGzipObject(s3, factsKey, bytes);
      item.factsKey = factsKey;
    } else {
      log?.debug('layer facts too large to cache without a bucket', {
        layer: facts.digest,
        gzippedBytes: bytes.length,
      });
      return;
    }
    try {
      await client.send(new PutCommand({ TableName: tableName, Item: item }));
    } catch (error) {
      throw storeError(
        error,
        `put facts of layer ${facts.digest}`,
        `table ${tableName}`
      );
    }
  }
}

function key(digest: string, scannerVersion: string) {
  return { pk: `LAYER#${digest}`, sk: `V#${scannerVersion}` };
}
