/**
 * A Lambda function with the house defaults: Node.js 22 on ARM64, an ESM
 * bundle built locally by esbuild (no Docker), source maps, active
 * tracing, Powertools settings, and a log group of its own.
 */
import { fileURLToPath } from 'node:url';
import { type Duration, RemovalPolicy, Validations } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Architecture, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, RetentionDays } from 'aws-cdk-lib/aws-logs';
import type { IQueue } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { LambdaEnvironment } from '../env-names.js';

/** Powertools metrics namespace shared by every archscan function. */
export const METRICS_NAMESPACE = 'archscan';

/** The repository root: handlers live at fixed paths below it. */
export const PROJECT_ROOT = fileURLToPath(
  new URL('../../../', import.meta.url)
);

// esbuild's ESM output has no `require`; CommonJS dependencies that call it
// (parts of the AWS SDK do) get one made from the module URL.
const ESM_REQUIRE_BANNER =
  "import{createRequire}from'node:module';const require=createRequire(import.meta.url);";

/** Props of {@link ScannerFunction}. */
export interface ScannerFunctionProps {
  /** Handler file relative to the repository root, e.g. `lambdas/scan-worker/handler.ts`. */
  readonly entry: string;
  /** Powertools service name; also the `service` metric dimension. */
  readonly serviceName: string;
  /** What the function does, for the console. */
  readonly description: string;
  /** Memory in MB; CPU grows with it (1,769 MB = 1 vCPU). */
  readonly memorySize: number;
  /** Longest run. */
  readonly timeout: Duration;
  /** Handler configuration, keyed by the names in `lambdas/shared/config.ts`. */
  readonly environment: LambdaEnvironment;
  /**
   * Dead-letter queue for asynchronous invocations (SNS). Leave unset for
   * functions invoked synchronously, whose failures the caller keeps.
   */
  readonly deadLetterQueue?: IQueue;
  /**
   * Who invokes the function synchronously, stated in the cdk-nag
   * acknowledgement when there is no `deadLetterQueue`.
   * @default 'its caller'
   */
  readonly invokedBy?: string;
  /**
   * How long logs are kept.
   * @default one month: reports and history outlive logs, which only serve
   * to debug recent failures
   */
  readonly logRetention?: RetentionDays;
}

/**
 * `NodejsFunction` with the house defaults and an explicit execution role
 * that may write only to its own log group.
 *
 * @example
 * const fn = new ScannerFunction(this, 'History', {
 *   entry: 'lambdas/history-api/handler.ts', serviceName: 'history-api',
 *   description: 'scan history', memorySize: 512,
 *   timeout: Duration.seconds(10), environment: { TABLE_NAME: table.tableName },
 * });
 */
export class ScannerFunction extends Construct {
  /** The function. */
  readonly function: NodejsFunction;
  /** Its execution role. */
  readonly role: Role;
  /** Its log group. */
  readonly logGroup: LogGroup;

  constructor(scope: Construct, id: string, props: ScannerFunctionProps) {
    super(scope, id);
    this.logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention ?? RetentionDays.ONE_MONTH,
      removalPolicy: RemovalPolicy.DESTROY,
    });
    // No AWSLambdaBasicExecutionRole: the function writes to its own log
    // group only, never creates groups.
    this.role = new Role(this, 'Role', {
      assumedBy: new ServicePrincipal('lambda.amazonaws.com'),
      description: `execution role of archscan ${props.serviceName}`,
    });
    this.logGroup.grantWrite(this.role);
    this.function = new NodejsFunction(this, 'Function', {
      entry: `${PROJECT_ROOT}${props.entry}`,
      projectRoot: PROJECT_ROOT,
      depsLockFilePath: `${PROJECT_ROOT}package-lock.json`,
      handler: 'handler',
      description: props.description,
      // Node 22 is the newest runtime the handlers are tested on (STYLE §10).
      runtime: Runtime.NODEJS_22_X,
      // Graviton: about 20% cheaper per GB-second, and the code is pure JS.
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize,
      timeout: props.timeout,
      role: this.role,
      logGroup: this.logGroup,
      tracing: Tracing.ACTIVE,
      ...(props.deadLetterQueue
        ? { deadLetterQueue: props.deadLetterQueue }
        : {}),
      environment: {
        ...props.environment,
        POWERTOOLS_SERVICE_NAME: props.serviceName,
        POWERTOOLS_METRICS_NAMESPACE: METRICS_NAMESPACE,
        NODE_OPTIONS: '--enable-source-maps',
      },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        sourceMap: true,
        minify: true,
        // Bundle the SDK too: the version that runs is the one the lockfile
        // pinned and the tests exercised, not whatever the runtime carries.
        externalModules: [],
        forceDockerBundling: false,
      },
    });
    this.acknowledgeHouseDefaults(props);
  }

  private acknowledgeHouseDefaults(props: ScannerFunctionProps): void {
    const runtimeReason =
      'nodejs22.x is pinned on purpose: the handlers and their dependencies are tested on Node 20 and 22; moving to a newer runtime is a tested change, not a synth-time default';
    Validations.of(this.function).acknowledge(
      { id: 'AwsSolutions-L1', reason: runtimeReason },
      { id: 'Serverless-LambdaLatestVersion', reason: runtimeReason }
    );
    Validations.of(this.role.node.findChild('DefaultPolicy')).acknowledge({
      id: 'AwsSolutions-IAM5[Resource::*]',
      reason:
        'xray:PutTraceSegments and xray:PutTelemetryRecords (added for active tracing) support no resource-level permissions',
    });
    if (!props.deadLetterQueue) {
      Validations.of(this.function).acknowledge({
        id: 'Serverless-LambdaDLQ',
        reason: `invoked synchronously by ${props.invokedBy ?? 'its caller'}; a Lambda DLQ only catches asynchronous invocations, failures stay with the caller`,
      });
    }
  }
}
