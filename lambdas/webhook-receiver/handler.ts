/**
 * The webhook receiver Lambda: the composition root. Configuration is
 * read and checked at cold start; clients are built once. Claims live in
 * the scan-history table, scan requests go to the scan queue, and only
 * registries on ALLOWED_REGISTRIES are ever queued.
 */
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SQSClient } from '@aws-sdk/client-sqs';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { createRemoteJWKSet } from 'jose';
import { DynamoClaimStore } from '../../lib/adapters/aws/dynamo-claim-store.js';
import { SqsScanQueue } from '../../lib/adapters/aws/sqs-scan-queue.js';
import { RegistryAllowlist } from '../../lib/engine/egress/allowlist.js';
import { ConfigError, ScannerError } from '../../lib/engine/errors.js';
import { PROVIDERS } from '../../lib/engine/webhooks/providers/index.js';
import { systemClock } from '../../lib/ports/clock.js';
import { loadConfig } from '../shared/config.js';
import { logger, tracer } from '../shared/powertools.js';
import { createHandler } from './create-handler.js';

/** Google's keys for Pub/Sub push tokens; jose caches them and refetches on rotation. */
const GOOGLE_CERTS = 'https://www.googleapis.com/oauth2/v3/certs';
/** Five minutes: an edited secret applies soon, without a read per delivery. */
const SECRET_MAX_AGE_SECONDS = 300;

const config = loadConfig();
const { queueUrl, webhookSecretArn } = config;
if (!queueUrl || !webhookSecretArn) {
  throw new ConfigError(
    'the webhook receiver needs QUEUE_URL and WEBHOOK_SECRET_ARN; deploy it with the stack’s webhook settings'
  );
}
if (config.webhookProviders.length === 0) {
  throw new ConfigError(
    'WEBHOOK_PROVIDERS names no provider; list the providers to accept, e.g. ["ghcr"]'
  );
}

const secrets = new SecretsProvider({
  awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})),
});
const documents = DynamoDBDocumentClient.from(
  tracer.captureAWSv3Client(new DynamoDBClient({}))
);

/** The Lambda entry point. */
export const handler = createHandler({
  providers: PROVIDERS,
  enabled: config.webhookProviders,
  secret: async () => {
    const value = await secrets.get(webhookSecretArn, {
      maxAge: SECRET_MAX_AGE_SECONDS,
    });
    if (typeof value !== 'string') {
      // Not a ConfigError: that answers 400, and this fault is ours (500).
      throw new ScannerError(
        'config',
        'the webhook secret (WEBHOOK_SECRET_ARN) has no string value; store its JSON as SecretString'
      );
    }
    return value;
  },
  ...(config.webhookProviders.includes('gar')
    ? { oidcKeys: createRemoteJWKSet(new URL(GOOGLE_CERTS)) }
    : {}),
  policy: RegistryAllowlist.from(config.allowedRegistries),
  claims: new DynamoClaimStore({
    client: documents,
    tableName: config.tableName,
  }),
  queue: new SqsScanQueue(
    tracer.captureAWSv3Client(new SQSClient({})),
    queueUrl
  ),
  clock: systemClock,
  coalesceSeconds: config.coalesceSeconds,
  replayWindowSeconds: config.replayWindowSeconds,
  logger,
});
