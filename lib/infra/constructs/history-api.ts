/**
 * The read side: a REST API over scan history, signed with SigV4 (IAM
 * authorization on every history method), logged, traced and throttled.
 * The webhook intake adds its own public route to the same API.
 */
import { RemovalPolicy, Validations } from 'aws-cdk-lib';
import {
  AccessLogFormat,
  AuthorizationType,
  EndpointType,
  LambdaIntegration,
  LogGroupLogDestination,
  type Method,
  type MethodDeploymentOptions,
  MethodLoggingLevel,
  RequestValidator,
  RestApi,
} from 'aws-cdk-lib/aws-apigateway';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';

/** Props of {@link HistoryApi}. */
export interface HistoryApiProps {
  /** The function behind every route (Lambda proxy integration). */
  readonly handler: IFunction;
  /**
   * Stage settings of routes other constructs add, keyed `/path/METHOD`
   * (e.g. the webhook route's own throttle). Each entry also gets the
   * stage's logging and metrics: API Gateway applies a method's settings
   * instead of the stage-wide ones, not on top of them.
   * @default none
   */
  readonly methodOptions?: Readonly<Record<string, MethodDeploymentOptions>>;
}

// Readers are people and CI jobs, not traffic: a low steady limit keeps a
// runaway script from running up DynamoDB reads.
const RATE_LIMIT = 20;
const BURST_LIMIT = 40;
const PAGING = {
  'method.request.querystring.limit': false,
  'method.request.querystring.cursor': false,
};

/**
 * `GET /scans`, `GET /scans/{digest}` and
 * `GET /repositories/{repo+}` (called as `/repositories/<name>/scans`).
 *
 * API Gateway allows a greedy `{repo+}` only as the last path segment, so
 * the `/scans` suffix arrives inside `repo` and the handler strips it;
 * repository names contain slashes, so a single-segment `{repo}` would not do.
 *
 * @example
 * const api = new HistoryApi(this, 'History', { handler: fn });
 */
export class HistoryApi extends Construct {
  /** The REST API. */
  readonly api: RestApi;
  /** Access log group (JSON lines). */
  readonly accessLogs: LogGroup;

  constructor(scope: Construct, id: string, props: HistoryApiProps) {
    super(scope, id);
    this.accessLogs = new LogGroup(this, 'AccessLogs', {
      // Who read what, for a quarter: long enough for an access review.
      retention: RetentionDays.THREE_MONTHS,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    const stageLogging = {
      loggingLevel: MethodLoggingLevel.ERROR,
      metricsEnabled: true,
    };
    const methodOptions = Object.fromEntries(
      Object.entries(props.methodOptions ?? {}).map(([path, options]) => [
        path,
        { ...stageLogging, ...options },
      ])
    );
    this.api = new RestApi(this, 'Api', {
      description:
        'archscan scan history (IAM-signed requests) and, when enabled, registry webhooks',
      endpointConfiguration: { types: [EndpointType.REGIONAL] },
      // Access logs need the account-level API Gateway CloudWatch role.
      cloudWatchRole: true,
      deployOptions: {
        stageName: 'v1',
        tracingEnabled: true,
        accessLogDestination: new LogGroupLogDestination(this.accessLogs),
        accessLogFormat: AccessLogFormat.jsonWithStandardFields(),
        ...stageLogging,
        throttlingRateLimit: RATE_LIMIT,
        throttlingBurstLimit: BURST_LIMIT,
        methodOptions,
      },
      defaultMethodOptions: { authorizationType: AuthorizationType.IAM },
    });
    const validator = new RequestValidator(this, 'Validator', {
      restApi: this.api,
      validateRequestParameters: true,
      // GET methods have no body model, so this checks nothing today; it is
      // on so a later POST with a model is validated without another change.
      validateRequestBody: true,
    });
    const integration = new LambdaIntegration(props.handler);
    const get = (
      resource: ReturnType<RestApi['root']['addResource']>,
      parameters: Record<string, boolean>
    ): Method =>
      resource.addMethod('GET', integration, {
        authorizationType: AuthorizationType.IAM,
        requestValidator: validator,
        requestParameters: parameters,
      });
    const scans = this.api.root.addResource('scans');
    const methods = [
      get(scans, PAGING),
      get(scans.addResource('{digest}'), {
        'method.request.path.digest': true,
      }),
      get(this.api.root.addResource('repositories').addResource('{repo+}'), {
        'method.request.path.repo': true,
        ...PAGING,
      }),
    ];
    this.acknowledge(methods);
  }

  private acknowledge(methods: readonly Method[]): void {
    for (const method of methods) {
      Validations.of(method).acknowledge({
        id: 'AwsSolutions-COG4',
        reason:
          'callers are AWS principals (people with SSO roles, CI roles); IAM authorization with SigV4 is the authorizer, no Cognito user pool exists',
      });
    }
    Validations.of(this.api.deploymentStage).acknowledge({
      id: 'AwsSolutions-APIG3',
      reason:
        'history methods require SigV4-signed requests from principals of the account; webhook deliveries carry provider credentials (HMAC, shared secret, URL token, OIDC) that WAF cannot check and the function verifies; every method is throttled; WAF would add a per-request charge without filtering anything those checks do not already reject',
    });
    const role = this.api.node.tryFindChild('CloudWatchRole');
    if (role) {
      Validations.of(role).acknowledge({
        id: 'AwsSolutions-IAM4[Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs]',
        reason:
          'the AWS managed policy made for the account-level API Gateway logging role; it is what access logging requires and AWS keeps it current',
      });
    }
  }
}
