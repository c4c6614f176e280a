/**
 * Registry webhooks on AWS: `POST /webhooks/{provider}` on the history
 * API, a receiver function that verifies each delivery and enqueues scan
 * requests, and the secret holding the providers' credentials.
 */
import {
  type CfnElement,
  Duration,
  RemovalPolicy,
  Stack,
  Validations,
} from 'aws-cdk-lib';
import {
  AuthorizationType,
  LambdaIntegration,
  type Method,
  type MethodDeploymentOptions,
  type RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { ITable } from 'aws-cdk-lib/aws-dynamodb';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { Secret } from 'aws-cdk-lib/aws-secretsmanager';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import { LAMBDA_ENV as E } from '../env-names.js';
import type { ResolvedWebhookProps } from '../webhook-props.js';
import { ScannerFunction } from './scanner-function.js';

/** The webhook route, as `/path/METHOD` for stage method settings. */
export const WEBHOOK_ROUTE = '/webhooks/{provider}/POST';

/**
 * The webhook route's own throttle, tighter than the account default and
 * separate from the history methods: the route is public, so a flood of
 * forged deliveries must run out of requests before it runs up Lambda
 * and DynamoDB. Registries send a few events per push; 50 a second with
 * bursts of 100 covers a CI fleet pushing multi-arch images at once.
 */
export const WEBHOOK_METHOD_OPTIONS: Readonly<
  Record<string, MethodDeploymentOptions>
> = {
  [WEBHOOK_ROUTE]: { throttlingRateLimit: 50, throttlingBurstLimit: 100 },
};

/** Props of {@link WebhookIntake}. */
export interface WebhookIntakeProps extends ResolvedWebhookProps {
  /** The REST API the route is added to (the history API). */
  readonly api: RestApi;
  /** Scan history table, where delivery and coalescing claims are kept. */
  readonly table: ITable;
  /** The scan queue the receiver sends scan requests to. */
  readonly queue: IQueue;
  /**
   * Logical ID of the secret, kept stable because people add keys to it
   * by hand and a replacement would lose them.
   * @default 'WebhookSecret'
   */
  readonly secretLogicalId?: string;
}

// Harbor gives up on a delivery after 3 s: more memory buys the CPU that
// shortens a cold start (bundle load, TLS to Secrets Manager).
const RECEIVER_MEMORY_MB = 512;
// Verify, claim, enqueue: well under a second; API Gateway gives up at 29 s.
const RECEIVER_TIMEOUT = Duration.seconds(10);
// Letters and digits only, so the token can sit in a URL unescaped.
const TOKEN_LENGTH = 40;

/**
 * The receiver of registry webhooks.
 *
 * Providers authenticate with an HMAC signature, a shared secret in a
 * header, an unguessable URL token or a Google-signed OIDC token; the
 * function checks each delivery, so API Gateway authorization is NONE on
 * this one route. The credentials live in {@link secret}, a JSON object:
 *
 * - `token`: generated at deployment (40 letters and digits); the
 *   credential of every provider without a key of its own, e.g. Docker
 *   Hub's `?token=` in the URL.
 * - one key per provider, added by hand (console or
 *   `aws secretsmanager put-secret-value`): a string (HMAC key, shared
 *   header value or URL token), or an object with `secret`, `registry`
 *   (pins every image of that provider to one registry; JFrog payloads
 *   name none) and, for Google Artifact Registry, the Pub/Sub push
 *   `audience` and service-account `email`. Keep `token` when editing:
 *
 * ```json
 * {
 *   "token": "generated",
 *   "ghcr": "hmac-secret",
 *   "jfrog": { "secret": "…", "registry": "acme.jfrog.io" },
 *   "gar": { "audience": "https://…/webhooks/gar", "email": "push@proj.iam.gserviceaccount.com" }
 * }
 * ```
 *
 * The receiver reads the secret at run time, so edits apply without a
 * deployment; the value never enters the template or the environment.
 *
 * @example
 * const intake = new WebhookIntake(this, 'Webhooks', {
 *   api: history.api, table, queue,
 *   ...resolveWebhookProps({ providers: ['ghcr'], allowedRegistries: ['ghcr.io'] }),
 * });
 */
export class WebhookIntake extends Construct {
  /** The receiver function. */
  readonly receiver: ScannerFunction;
  /** The providers' credentials (JSON, see the class documentation). */
  readonly secret: Secret;
  /** `POST /webhooks/{provider}`. */
  readonly method: Method;
  /** Where registries send deliveries: append the provider name. */
  readonly baseUrl: string;

  constructor(scope: Construct, id: string, props: WebhookIntakeProps) {
    super(scope, id);
    this.secret = new Secret(this, 'Secret', {
      description:
        'archscan registry webhook credentials: a generated token plus one key per provider',
      generateSecretString: {
        secretStringTemplate: '{}',
        generateStringKey: 'token',
        excludePunctuation: true,
        passwordLength: TOKEN_LENGTH,
      },
      // Keys added by hand would be lost with the stack.
      removalPolicy: RemovalPolicy.RETAIN,
    });
    (this.secret.node.defaultChild as CfnElement).overrideLogicalId(
      props.secretLogicalId ?? 'WebhookSecret'
    );
    Validations.of(this.secret).acknowledge({
      id: 'AwsSolutions-SMG4',
      reason:
        'the values are credentials configured in third-party registries (webhook secrets, URL tokens); a rotation Lambda cannot change them there, so rotation is a manual, coordinated step',
    });
    this.receiver = this.createReceiver(props);
    this.grant(props);
    this.method = props.api.root
      .resourceForPath('webhooks/{provider}')
      .addMethod('POST', new LambdaIntegration(this.receiver.function), {
        authorizationType: AuthorizationType.NONE,
        requestParameters: { 'method.request.path.provider': true },
      });
    const reason =
      'registries cannot sign AWS requests or use Cognito; each delivery carries the provider credential (HMAC signature, shared secret, URL token or Google OIDC token), verified in constant time by the receiver before anything is enqueued';
    Validations.of(this.method).acknowledge(
      { id: 'AwsSolutions-APIG4', reason },
      { id: 'AwsSolutions-COG4', reason }
    );
    this.baseUrl = `${props.api.url}webhooks/`;
  }

  private createReceiver(props: WebhookIntakeProps): ScannerFunction {
    return new ScannerFunction(this, 'Receiver', {
      entry: 'lambdas/webhook-receiver/handler.ts',
      serviceName: 'webhook-receiver',
      description: 'archscan: verifies registry webhooks and enqueues scans',
      memorySize: RECEIVER_MEMORY_MB,
      timeout: RECEIVER_TIMEOUT,
      invokedBy: 'API Gateway (Lambda proxy integration)',
      environment: {
        [E.tableName]: props.table.tableName,
        [E.queueUrl]: props.queue.queueUrl,
        // The ARN, never the value: the handler reads the secret at run time.
        [E.webhookSecretArn]: this.secret.secretArn,
        [E.webhookProviders]: JSON.stringify(props.providers),
        [E.allowedRegistries]: Stack.of(this).toJsonString(
          props.allowedRegistries
        ),
        [E.coalesceSeconds]: String(props.coalesceSeconds),
        [E.replayWindowSeconds]: String(props.replayWindowSeconds),
      },
    });
  }

  // Exactly what the receiver calls, on exactly one resource each: the
  // L2 grant helpers would add reads, index ARNs and queue attributes.
  private grant(props: WebhookIntakeProps): void {
    const grantee = this.receiver.role;
    Grant.addToPrincipal({
      grantee,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [this.secret.secretArn],
    });
    // Claims: a conditional put, and a delete when an enqueue fails.
    Grant.addToPrincipal({
      grantee,
      actions: ['dynamodb:PutItem', 'dynamodb:DeleteItem'],
      resourceArns: [props.table.tableArn],
    });
    Grant.addToPrincipal({
      grantee,
      actions: ['sqs:SendMessage'],
      resourceArns: [props.queue.queueArn],
    });
  }
}

/**
 * The account's own ECR registry host, `<account>.dkr.ecr.<region>.<suffix>`,
 * which the worker must reach for ECR push events.
 *
 * @example
 * const host = ecrRegistryHost(this); // 123456789012.dkr.ecr.eu-west-1.amazonaws.com
 */
export function ecrRegistryHost(scope: Construct): string {
  const stack = Stack.of(scope);
  return `${stack.account}.dkr.ecr.${stack.region}.${stack.urlSuffix}`;
}
