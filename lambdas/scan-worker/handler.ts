/**
 * The scan worker Lambda: the composition root. Clients are built once per
 * cold start from the validated configuration; ECR hosts authenticate with
 * the function's role (`ecr:GetAuthorizationToken`), others anonymously.
 * Registries are reached only through the ALLOWED_REGISTRIES allowlist and
 * its egress guard (see `registry-for.ts`, which also explains why an empty
 * list keeps the unguarded behaviour of older deployments).
 */

import { DynamoDBPersistenceLayer } from '@aws-lambda-powertools/idempotency/dynamodb';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { ECRClient } from '@aws-sdk/client-ecr';
import { S3Client } from '@aws-sdk/client-s3';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { DynamoLayerCache } from '../../lib/adapters/aws/dynamo-layer-cache.js';
import { DynamoScanStore } from '../../lib/adapters/aws/dynamo-scan-store.js';
import { ecrTokenFetcher } from '../../lib/adapters/aws/ecr-token.js';
import { S3BlobStore } from '../../lib/adapters/aws/s3-blobs.js';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { SqsScanQueue } from '../../lib/adapters/aws/sqs-scan-queue.js';
import { EcrAuth } from '../../lib/adapters/registry/ecr-auth.js';
import { systemClock } from '../../lib/ports/clock.js';
import { loadConfig } from '../shared/config.js';
import { logger, tracer } from '../shared/powertools.js';
import { createWorkerHandler } from './create-handler.js';
import { workerRegistryFor } from './registry-for.js';

const config = loadConfig();
const dynamo = tracer.captureAWSv3Client(new DynamoDBClient({}));
const documents = DynamoDBDocumentClient.from(dynamo, {
  marshallOptions: { removeUndefinedValues: true },
});
const s3 = config.reportsBucket
  ? {
      client: tracer.captureAWSv3Client(new S3Client({})),
      bucket: config.reportsBucket,
    }
  : undefined;
const ecrAuth = new EcrAuth({
  getAuthorizationToken: ecrTokenFetcher(
    tracer.captureAWSv3Client(new ECRClient({}))
  ),
});
// The stack always lists this account's ECR registry. An empty list means a
// function deployed before that: it keeps its unguarded registry access
// rather than refusing every scan, and says so once per cold start.
if (config.allowedRegistries.length === 0) {
  logger.warn(
    'ALLOWED_REGISTRIES is empty: registries are contacted without the allowlist; redeploy the stack to set it'
  );
}

export const handler = createWorkerHandler({
  // EcrAuth answers for ECR hosts only; every other host goes anonymous.
  registryFor: workerRegistryFor(config.allowedRegistries, { auth: ecrAuth }),
  store: new DynamoScanStore({
    client: documents,
    tableName: config.tableName,
    ttlDays: config.scanTtlDays,
    ...(s3 ? { reports: new S3BlobStore(s3) } : {}),
  }),
  cache: new DynamoLayerCache({
    client: documents,
    tableName: config.tableName,
    ...(s3 ? { s3 } : {}),
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
  ...(config.queueUrl
    ? {
        queue: new SqsScanQueue(
          tracer.captureAWSv3Client(new SQSClient({})),
          config.queueUrl
        ),
      }
    : {}),
  persistence: new DynamoDBPersistenceLayer({
    tableName: config.tableName,
    keyAttr: 'pk',
    sortKeyAttr: 'sk',
    expiryAttr: 'ttl',
    awsSdkV3Client: dynamo,
  }),
  rules: config.expectedPlatforms,
  graceSeconds: config.graceSeconds,
  notifySeverity: config.notifySeverity,
  ...(config.historyApiUrl ? { historyApiUrl: config.historyApiUrl } : {}),
});
