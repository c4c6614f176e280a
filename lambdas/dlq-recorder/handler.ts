/**
 * The dead-letter recorder Lambda: the composition root. Clients are built
 * once per cold start from the validated configuration.
 */
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoScanStore } from '../../lib/adapters/aws/dynamo-scan-store.js';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blobs.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { systemClock } from '../../lib/ports/clock.js';
import { loadConfig } from '../shared/config.js';
import { tracer } from '../shared/powertools.js';
import { createDlqHandler } from './create-handler.js';

const config = loadConfig();
const documents = DynamoDBDocumentClient.from(
  tracer.captureAWSv3Client(new DynamoDBClient({})),
  {
    marshallOptions: { removeUndefinedValues: true },
  }
);

export const handler = createDlqHandler({
  store: new DynamoScanStore({
    client: documents,
    tableName: config.tableName,
    ttlDays: config.scanTtlDays,
    ...(config.reportsBucket
      ? {
          reports: new S3BlobStore({
            client: tracer.captureAWSv3Client(new S3Client({})),
            bucket: config.reportsBucket,
          }),
        }
      : {}),
  }),
  clock: systemClock,
  ...(config.topicArn
    ? {
        notifier: new SnsNotifier({
          client: tracer.captureAWSv3Client(new SNSClient({})),
          topicArn: config.topicArn,
        }),
      }
    : {}),
});
