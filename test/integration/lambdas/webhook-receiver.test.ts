/**
 * The webhook receiver handler in-process with API Gateway REST proxy
 * events: claims in dynalite through `DynamoClaimStore`, the provider
 * secret read through Powertools Parameters from a mocked Secrets Manager,
 * scan requests sent through `SqsScanQueue` to a mocked SQS (neither has a
 * local engine). The provider is the test fake, signing like GHCR.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import {
  GetSecretValueCommand,
  SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';
import { SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { mockClient } from 'aws-sdk-client-mock';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
} from 'vitest';
import {
  createHandler,
  type WebhookReceiverDeps,
} from '../../../lambdas/webhook-receiver/create-handler.js';
import { DynamoClaimStore } from '../../../lib/adapters/aws/dynamo-claim-store.js';
import { SqsScanQueue } from '../../../lib/adapters/aws/sqs-scan-queue.js';
import { EgressRefusedError } from '../../../lib/engine/errors.js';
import { scanRequestSchema } from '../../../lib/engine/history/scan-request.js';
import { RESEND_GRACE_SECONDS } from '../../../lib/usecases/accept-webhook.js';
import { lambdaContext, restEvent } from '../../support/api-gateway.js';
import {
  createArchscanTable,
  LOCAL_AWS,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';
import {
  FakeWebhookProvider,
  fakePush,
  signFake,
} from '../../support/fakes/fake-webhook-provider.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { fixtureJson } from '../../support/provider-deliveries.js';

const QUEUE_URL = 'https://sqs.us-east-1.amazonaws.com/123456789012/scan';
const SECRET_ARN =
  'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhooks-AbCdEf';
const TOKEN = 'generatedTokenOf40LettersAndDigits0123456';
const DIST_SECRET = 'distribution-shared-secret';
const DIGEST = `sha256:${'c'.repeat(64)}`;

const sqs = mockClient(SQSClient);
const secretsManager = mockClient(SecretsManagerClient);
const quiet = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

let dynamo: LocalDynamo;
let clock: TestClock;
let deps: WebhookReceiverDeps;

beforeAll(async () => {
  dynamo = await startDynalite();
});

afterAll(async () => {
  await dynamo.stop();
});

beforeEach(async () => {
  sqs.reset();
  secretsManager.reset();
  sqs.on(SendMessageCommand).resolves({ MessageId: 'm-1' });
  secretsManager.on(GetSecretValueCommand).resolves({
    ARN: SECRET_ARN,
    SecretString: JSON.stringify({
      token: TOKEN,
      distribution: DIST_SECRET,
      jfrog: { registry: 'acme.jfrog.io' },
    }),
  });
  const tableName = uniqueTableName('webhooks');
  await createArchscanTable(dynamo.client, tableName);
  clock = new TestClock(new Date().toISOString());
  const secrets = new SecretsProvider({
    awsSdkV3Client: new SecretsManagerClient(LOCAL_AWS),
  });
  deps = {
    providers: {
      distribution: new FakeWebhookProvider('distribution'),
      jfrog: new FakeWebhookProvider('jfrog'),
      harbor: new FakeWebhookProvider('harbor'),
    },
    enabled: ['distribution', 'jfrog'],
    secret: async () => String(await secrets.get(SECRET_ARN, { maxAge: 300 })),
    policy: {
      check(registry) {
        const host = registry.toLowerCase();
        if (['registry.example.com', 'acme.jfrog.io'].includes(host))
          return host;
        throw new EgressRefusedError(`registry ${host} is not allowed`);
      },
    },
    claims: new DynamoClaimStore({
      client: dynamo.documentClient,
      tableName,
      now: () => clock.now().getTime(),
    }),
    queue: new SqsScanQueue(new SQSClient(LOCAL_AWS), QUEUE_URL),
    clock,
    coalesceSeconds: 10,
    replayWindowSeconds: 3600,
    logger: quiet,
  };
});

interface Delivery {
  provider?: string;
  body: string | Buffer;
  headers?: Record<string, string>;
  base64?: boolean;
  query?: Record<string, string>;
}

/** A proxy event as API Gateway sends a registry's POST. */
function postEvent(delivery: Delivery): APIGatewayProxyEvent {
  const provider = delivery.provider ?? 'distribution';
  const bytes = Buffer.isBuffer(delivery.body)
    ? delivery.body
    : Buffer.from(delivery.body);
  const headers = {
    'Content-Type': 'application/json',
    'User-Agent': 'registry-notifications/1.0',
    ...(delivery.headers ?? signFake(bytes, DIST_SECRET)),
  };
  return {
    ...restEvent({
      path: `/webhooks/${provider}`,
      resource: '/webhooks/{provider}',
      method: 'POST',
      pathParameters: { provider },
      ...(delivery.query ? { query: delivery.query } : {}),
    }),
    headers,
    multiValueHeaders: Object.fromEntries(
      Object.entries(headers).map(([k, v]) => [k, [v]])
    ),
    body: delivery.base64 ? bytes.toString('base64') : bytes.toString('utf8'),
    isBase64Encoded: delivery.base64 ?? false,
  };
}

const pushBody = (deliveryId = 'delivery-1') =>
  JSON.stringify(
    fakePush(
      [
        {
          registry: 'registry.example.com',
          repository: 'team/app',
          tag: '1.4.0',
          digest: DIGEST,
        },
      ],
      { deliveryId, sentAt: clock.now().toISOString() }
    )
  );

async function invoke(
  delivery: Delivery,
  over: Partial<WebhookReceiverDeps> = {}
): Promise<APIGatewayProxyResult> {
  return createHandler({ ...deps, ...over })(
    postEvent(delivery),
    lambdaContext()
  );
}

const sent = () =>
  sqs.commandCalls(SendMessageCommand).map((c) => c.args[0].input);
const json = (response: APIGatewayProxyResult) => JSON.parse(response.body);

describe('webhook receiver', () => {
  it('answers a valid delivery 202 and sends one delayed scan request', async () => {
    // Act
    const response = await invoke({ body: pushBody() });
    // Assess
    expect(response.statusCode).toBe(202);
    expect(response.headers?.['content-type']).toBe('application/json');
    expect(json(response)).toEqual({
      message: 'queued 1, coalesced 0, ignored 0',
      queued: 1,
      coalesced: 0,
      ignored: 0,
    });
    expect(sent()).toHaveLength(1);
    const [message] = sent();
    expect(message?.QueueUrl).toBe(QUEUE_URL);
    expect(message?.DelaySeconds).toBe(10);
    expect(
      scanRequestSchema.parse(JSON.parse(message?.MessageBody ?? ''))
    ).toEqual({
      version: 1,
      source: 'webhook',
      registry: 'registry.example.com',
      repository: 'team/app',
      tag: '1.4.0',
      digest: DIGEST,
      receivedAt: clock.now().toISOString(),
    });
  });

  it('answers a forged delivery 401 and sends nothing', async () => {
    // Act
    const response = await invoke({
      body: pushBody(),
      headers: signFake(pushBody(), 'guessed-secret'),
    });
    // Assess
    expect(response.statusCode).toBe(401);
    expect(json(response).message).toMatch(/bad signature/);
    expect(response.body).not.toContain(DIST_SECRET);
    expect(sent()).toEqual([]);
  });

  it('answers a replayed delivery 401 and sends nothing more', async () => {
    // Prepare
    const body = pushBody('delivery-replayed');
    await invoke({ body });
    clock.advance(RESEND_GRACE_SECONDS + 30);
    // Act
    const replay = await invoke({ body });
    // Assess
    expect(replay.statusCode).toBe(401);
    expect(json(replay).message).toMatch(
      /^replayed delivery delivery-replayed/
    );
    expect(sent()).toHaveLength(1);
  });

  it('verifies the HMAC over the raw bytes of a base64-encoded body', async () => {
    // Prepare: bytes that re-serialized JSON would not reproduce
    const raw = Buffer.concat([
      Buffer.from('\n  '),
      Buffer.from(
        pushBody('delivery-b64').replace('"team/app"', '"team\\/app"')
      ),
      Buffer.from(' \r\n'),
    ]);
    const headers = signFake(raw, DIST_SECRET);
    // Act
    const decoded = await invoke({ body: raw, base64: true, headers });
    const undecoded = await invoke({
      body: raw.toString('base64'),
      headers,
      base64: false,
    });
    // Assess
    expect(decoded.statusCode).toBe(202);
    expect(undecoded.statusCode).toBe(401);
    expect(sent()).toHaveLength(1);
  });

  it.each([
    ['unknown', 'gitlab', /unknown webhook provider "gitlab"/],
    [
      'implemented but not enabled',
      'harbor',
      /webhooks from harbor are not enabled/,
    ],
  ])('answers a provider that is %s with 404', async (_, provider, message) => {
    // Act
    const response = await invoke({ provider, body: pushBody() });
    // Assess
    expect(response.statusCode).toBe(404);
    expect(json(response).message).toMatch(message);
    expect(sent()).toEqual([]);
  });

  it('falls back to the generated token and takes a pinned registry from the secret', async () => {
    // Prepare: JFrog payloads name no registry
    const body = JSON.stringify(
      fakePush([{ repository: 'docker-local/team/app', tag: '2.0' }])
    );
    // Act
    const response = await invoke({
      provider: 'jfrog',
      body,
      headers: signFake(body, TOKEN),
    });
    // Assess
    expect(response.statusCode).toBe(202);
    expect(JSON.parse(sent()[0]?.MessageBody ?? '')).toMatchObject({
      registry: 'acme.jfrog.io',
      repository: 'docker-local/team/app',
      tag: '2.0',
    });
  });

  it('reads the secret once per cache period, not per delivery', async () => {
    // Act
    const handler = createHandler(deps);
    for (const id of ['a', 'b', 'c']) {
      await handler(postEvent({ body: pushBody(id) }), lambdaContext());
    }
    // Assess
    expect(secretsManager.commandCalls(GetSecretValueCommand)).toHaveLength(1);
  });

  it('answers 500 when SQS fails, and queues the provider’s retry', async () => {
    // Prepare
    sqs
      .on(SendMessageCommand)
      .rejectsOnce(
        Object.assign(new Error('Rate exceeded'), {
          name: 'ThrottlingException',
        })
      )
      .resolves({ MessageId: 'm-2' });
    const body = pushBody('delivery-retried');
    // Act
    const first = await invoke({ body });
    const retry = await invoke({ body });
    // Assess
    expect(first.statusCode).toBe(500);
    expect(json(first)).toEqual({ message: 'internal error' });
    expect(retry.statusCode).toBe(202);
    expect(json(retry).queued).toBe(1);
  });

  it('answers 500 without details when the secret is malformed', async () => {
    // Prepare
    secretsManager
      .on(GetSecretValueCommand)
      .resolves({ SecretString: 'not-json-hunter2' });
    // Act
    const response = await invoke({ body: pushBody() });
    // Assess
    expect(response.statusCode).toBe(500);
    expect(response.body).not.toContain('hunter2');
    expect(sent()).toEqual([]);
  });

  it('answers 403 for a registry off the allowlist and sends nothing', async () => {
    // Prepare
    const body = JSON.stringify(
      fakePush([
        { registry: '169.254.169.254', repository: 'latest', tag: 'x' },
      ])
    );
    // Act
    const response = await invoke({
      body,
      headers: signFake(body, DIST_SECRET),
    });
    // Assess
    expect(response.statusCode).toBe(403);
    expect(sent()).toEqual([]);
  });

  it('answers other methods and paths with 405 and 404', async () => {
    // Act
    const get = await createHandler(deps)(
      { ...postEvent({ body: pushBody() }), httpMethod: 'GET' },
      lambdaContext()
    );
    const other = await createHandler(deps)(
      {
        ...postEvent({ body: pushBody() }),
        resource: '/scans',
        path: '/scans',
        pathParameters: null,
      },
      lambdaContext()
    );
    // Assess
    expect(get.statusCode).toBe(405);
    expect(get.headers?.allow).toBe('POST');
    expect(other.statusCode).toBe(404);
  });
});

describe('the deployed webhook receiver', () => {
  afterEach(() => {
    vi.unstubAllEnvs();
  });

  it('builds from the environment and accepts a real Distribution notification', async () => {
    // Prepare: the SDK reads the endpoint and credentials from the environment
    const tableName = uniqueTableName('deployed');
    await createArchscanTable(dynamo.client, tableName);
    const env = {
      TABLE_NAME: tableName,
      QUEUE_URL,
      WEBHOOK_SECRET_ARN: SECRET_ARN,
      WEBHOOK_PROVIDERS: '["distribution","dockerhub"]',
      ALLOWED_REGISTRIES: '["registry.example.com"]',
      COALESCE_SECONDS: '30',
      AWS_ENDPOINT_URL_DYNAMODB: dynamo.endpoint,
      AWS_REGION: LOCAL_AWS.region,
      AWS_ACCESS_KEY_ID: LOCAL_AWS.credentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: LOCAL_AWS.credentials.secretAccessKey,
      POWERTOOLS_LOG_LEVEL: 'SILENT',
    };
    for (const [name, value] of Object.entries(env)) vi.stubEnv(name, value);
    vi.resetModules();
    const { handler } = await import(
      '../../../lambdas/webhook-receiver/handler.js'
    );
    const envelope = fixtureJson('distribution', 'push-manifest.json');
    const [event] = envelope.events as Record<string, unknown>[];
    if (event) event.timestamp = new Date().toISOString();
    const body = JSON.stringify(envelope);
    // Act
    const accepted = await handler(
      postEvent({ body, headers: { Authorization: `Bearer ${DIST_SECRET}` } }),
      lambdaContext()
    );
    const forged = await handler(
      postEvent({ body, headers: { Authorization: 'Bearer guessed' } }),
      lambdaContext()
    );
    const byToken = await handler(
      postEvent({
        provider: 'dockerhub',
        body: JSON.stringify({
          push_data: { tag: '1.27', pushed_at: Date.now() / 1000 },
          repository: { repo_name: 'library/nginx' },
        }),
        headers: {},
        query: { token: TOKEN },
      }),
      lambdaContext()
    );
    // Assess
    expect(accepted.statusCode).toBe(202);
    expect(forged.statusCode).toBe(401);
    // docker.io is not on the allowlist: refused before anything is queued.
    expect(byToken.statusCode).toBe(403);
    expect(sent()).toHaveLength(1);
    expect(sent()[0]?.DelaySeconds).toBe(30);
    expect(JSON.parse(sent()[0]?.MessageBody ?? '')).toMatchObject({
      source: 'webhook',
      registry: 'registry.example.com',
      repository: 'team/my-api',
      tag: '1.4.0',
    });
  });
});
