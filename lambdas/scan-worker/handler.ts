/**
 * The scan worker Lambda: the composition root. Clients are built once per
 * cold start from the validated configuration; ECR hosts authenticate with
 * the function's role (`ecr:GetAuthorizationToken`), others anonymously.
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
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import { SqsScanQueue } from '../../lib/adapters/aws/sqs-scan-queue.js';
import { createRegistry } from '../../lib/adapters/registry/create-registry.js';
import { EcrAuth, isEcrHost } from '../../lib/adapters/registry/ecr-auth.js';
import { systemClock } from '../../lib/ports/clock.js';
import type { Registry } from '../../lib/ports/registry.js';
import { loadConfig } from '../shared/config.js';
import { tracer } from '../shared/powertools.js';
import { createWorkerHandler } from './create-handler.js';

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
const registries = new Map<string, Registry>();

function registryFor(host: string): Registry {
  let registry = registries.get(host);
  if (!registry) {
    registry = createRegistry(host, isEcrHost(host) ? { auth: ecrAuth } : {});
    registries.set(host, registry);
  }
  return registry;
}

export const handler = createWorkerHandler({
  registryFor,
  store: new DynamoScanStore({
    client: documents,
    tableName: config.tableName,
    ttlDays: config.scanTtlDays,
    ...(s3 ? { s3 } : {}),
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
