/**
 * The history API Lambda: the composition root. The store's clients are
 * built once per cold start from the validated configuration; the routes
 * live in `lib/http/history-routes.ts`.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoScanStore } from '../../lib/adapters/aws/dynamo-scan-store.js';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blobs.js';
import { loadConfig } from '../shared/config.js';
import { createHandler } from './create-handler.js';

export { createHandler, type HistoryApiDeps } from './create-handler.js';

const config = loadConfig();
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** The deployed handler, configured from the environment. */
export const handler = createHandler({
  store: new DynamoScanStore({
    client: documentClient,
    tableName: config.tableName,
    ttlDays: config.scanTtlDays,
    ...(config.reportsBucket
      ? {
          reports: new S3BlobStore({
            client: new S3Client({}),
            bucket: config.reportsBucket,
          }),
        }
      : {}),
  }),
});
