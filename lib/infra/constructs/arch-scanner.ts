/**
 * The whole scanner as one construct: storage, the scan queue and its ECR
 * trigger, the worker, the history API, notifications, alarms and, when
 * configured, registry webhooks.
 */
import { Duration, Stack, Validations } from 'aws-cdk-lib';
import { Grant } from 'aws-cdk-lib/aws-iam';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { Construct } from 'constructs';
import { LAMBDA_ENV as E } from '../env-names.js';
import {
  type ArchScannerProps,
  type ResolvedArchScannerProps,
  resolveArchScannerProps,
} from '../props.js';
import { FindingsTable } from './findings-table.js';
import { FindingsTopic } from './findings-topic.js';
import { HistoryApi } from './history-api.js';
import {
  acknowledgeScopedWildcards,
  grantEcrPull,
  grantReportsRead,
  grantReportsReadWrite,
} from './permissions.js';
import {
  LAYERS_PREFIX,
  REPORTS_PREFIX,
  ReportsBucket,
} from './reports-bucket.js';
import { ScanAlarms } from './scan-alarms.js';
import { ScanQueue } from './scan-queue.js';
import { ScannerFunction } from './scanner-function.js';
import {
  ecrRegistryHost,
  WEBHOOK_METHOD_OPTIONS,
  WebhookIntake,
} from './webhook-intake.js';

// 3,538 MB buys two vCPUs (1,769 MB each): inflating gzip/zstd and hashing
// sha256 are CPU-bound, and the engine streams one layer per core.
const WORKER_MEMORY_MB = 3_538;
// Lambda's maximum, for a 5 GB image behind a slow registry; the worker
// watches its remaining time and records a timeout rather than a pass.
const WORKER_TIMEOUT = Duration.seconds(900);
const NOTIFIER_MEMORY_MB = 256;
const NOTIFIER_TIMEOUT = Duration.seconds(30);
// API Gateway gives up after 29 s; a history query should take well under 1 s.
const HISTORY_TIMEOUT = Duration.seconds(10);
const SQS_SOURCE = 'an SQS event source mapping';
const ESM_REASON =
  'SQS event source mappings take no OnFailure destination; failed messages follow the queue redrive policy to its dead-letter queue';

/**
 * Everything archscan needs in one account and Region.
 *
 * @example
 * new ArchScanner(stack, 'Scanner', {
 *   expectedPlatforms: [{ pattern: 'prod/*', platforms: ['linux/amd64', 'linux/arm64'] }],
 *   emails: ['platform-team@example.com'],
 * });
 */
export class ArchScanner extends Construct {
  /** The settings after defaults. */
  readonly settings: ResolvedArchScannerProps;
  /** Scan history. */
  readonly findings: FindingsTable;
  /** Full reports. */
  readonly reports: ReportsBucket;
  /** Scan requests and the ECR push rule. */
  readonly scans: ScanQueue;
  /** Notification topics. */
  readonly topics: FindingsTopic;
  /** The scan worker. */
  readonly worker: ScannerFunction;
  /** Records dead-lettered requests as error scans. */
  readonly dlqRecorder: ScannerFunction;
  /** Serves the history API. */
  readonly historyFunction: ScannerFunction;
  /** The history API. */
  readonly history: HistoryApi;
  /** Posts findings to Slack (chatNotifications 'slack'). */
  readonly slackNotifier?: ScannerFunction;
  /** Forwards findings to the chat topic (chatNotifications 'q-developer'). */
  readonly chatNotifier?: ScannerFunction;
  /** Operator alarms. */
  readonly alarms: ScanAlarms;
  /** Registry webhooks (the `webhooks` setting). */
  readonly webhooks?: WebhookIntake;

  constructor(scope: Construct, id: string, props: ArchScannerProps = {}) {
    super(scope, id);
    const s = resolveArchScannerProps(props);
    this.settings = s;
    const prefix = id.replace(/[^A-Za-z0-9]/g, '');
    this.findings = new FindingsTable(this, 'Findings', {
      logicalId: `${prefix}FindingsTable`,
    });
    this.reports = new ReportsBucket(this, 'Reports', {
      scanTtlDays: s.scanTtlDays,
      logicalId: `${prefix}ReportsBucket`,
    });
    this.scans = new ScanQueue(this, 'Scans', {
      consumerTimeout: WORKER_TIMEOUT,
      repositoryFilter: s.repositoryFilter,
    });
    this.topics = new FindingsTopic(this, 'Notifications', {
      emails: s.emails,
      alarmEmails: s.alarmEmails,
      notifySeverity: s.notifySeverity,
      chatTopic: s.chatNotifications === 'q-developer',
    });
    const table = this.findings.table;
    const bucket = this.reports.bucket;

    this.historyFunction = new ScannerFunction(this, 'HistoryApiFunction', {
      entry: 'lambdas/history-api/handler.ts',
      serviceName: 'history-api',
      description: 'archscan history API: scans by repository and digest',
      memorySize: 512,
      timeout: HISTORY_TIMEOUT,
      invokedBy: 'API Gateway (Lambda proxy integration)',
      environment: {
        [E.tableName]: table.tableName,
        [E.reportsBucket]: bucket.bucketName,
      },
    });
    table.grantReadData(this.historyFunction.role);
    grantReportsRead(bucket, this.historyFunction.role);
    acknowledgeScopedWildcards(this.historyFunction.role, {
      table,
      bucket,
      prefixes: [REPORTS_PREFIX],
    });
    this.history = new HistoryApi(this, 'History', {
      handler: this.historyFunction.function,
      ...(s.webhooks ? { methodOptions: WEBHOOK_METHOD_OPTIONS } : {}),
    });
    const historyUrl = this.history.api.url;

    this.worker = new ScannerFunction(this, 'ScanWorker', {
      entry: 'lambdas/scan-worker/handler.ts',
      serviceName: 'scan-worker',
      description: 'archscan worker: scans one pushed image per message',
      memorySize: WORKER_MEMORY_MB,
      timeout: WORKER_TIMEOUT,
      invokedBy: SQS_SOURCE,
      environment: {
        [E.tableName]: table.tableName,
        [E.reportsBucket]: bucket.bucketName,
        [E.topicArn]: this.topics.topic.topicArn,
        [E.queueUrl]: this.scans.queue.queueUrl,
        [E.expectedPlatforms]: JSON.stringify(s.expectedPlatforms),
        [E.graceSeconds]: String(s.graceMinutes * 60),
        [E.notifySeverity]: s.notifySeverity,
        [E.scanTtlDays]: String(s.scanTtlDays),
        [E.historyApiUrl]: historyUrl,
        // A queue message may name any registry (a webhook's payload, a
        // message sent by hand): the worker contacts only this account's
        // ECR and, with webhooks, the allowed registries.
        [E.allowedRegistries]: Stack.of(this).toJsonString([
          ...new Set([
            ...(s.webhooks?.allowedRegistries ?? []),
            ecrRegistryHost(this),
            ...ecrHostsOf(s.repositoryArns ?? [], Stack.of(this)),
          ]),
        ]),
      },
    });
    this.worker.function.addEventSource(
      new SqsEventSource(this.scans.queue, {
        // One image per invocation: a scan may use the full 15 minutes.
        batchSize: 1,
        reportBatchItemFailures: true,
        maxConcurrency: s.maxConcurrency,
      })
    );
    Validations.of(this.worker.function).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: ESM_REASON,
    });
    const workerRole = this.worker.role;
    grantEcrPull(this.worker, workerRole, s.repositoryArns);
    table.grantReadWriteData(workerRole);
    grantReportsReadWrite(bucket, workerRole);
    this.topics.topic.grantPublish(workerRole);
    // Grace re-checks: the worker re-queues a request with a delay.
    this.scans.queue.grantSendMessages(workerRole);
    acknowledgeScopedWildcards(workerRole, {
      table,
      bucket,
      prefixes: [REPORTS_PREFIX, LAYERS_PREFIX],
      kms: true,
      ecr: s.repositoryArns ?? 'all',
    });

    this.dlqRecorder = new ScannerFunction(this, 'DlqRecorder', {
      entry: 'lambdas/dlq-recorder/handler.ts',
      serviceName: 'dlq-recorder',
      description: 'archscan: records dead-lettered scan requests as errors',
      memorySize: NOTIFIER_MEMORY_MB,
      timeout: NOTIFIER_TIMEOUT,
      invokedBy: SQS_SOURCE,
      environment: {
        [E.tableName]: table.tableName,
        [E.scanTtlDays]: String(s.scanTtlDays),
        // Subscribers hear that an image could not be judged, not only the alarm.
        [E.topicArn]: this.topics.topic.topicArn,
      },
    });
    this.dlqRecorder.function.addEventSource(
      new SqsEventSource(this.scans.deadLetterQueue, {
        batchSize: 10,
        reportBatchItemFailures: true,
      })
    );
    Validations.of(this.dlqRecorder.function).acknowledge({
      id: 'Serverless-LambdaEventSourceMappingDestination',
      reason: `${ESM_REASON}; this queue is itself the dead-letter queue, so unrecorded messages stay in it and the alarm fires`,
    });
    table.grantWriteData(this.dlqRecorder.role);
    this.topics.topic.grantPublish(this.dlqRecorder.role);
    acknowledgeScopedWildcards(this.dlqRecorder.role, { table, kms: true });

    if (s.chatNotifications === 'slack' && s.slackWebhookSecretArn) {
      this.slackNotifier = this.addSlackNotifier(s.slackWebhookSecretArn, {
        [E.tableName]: table.tableName,
        [E.historyApiUrl]: historyUrl,
      });
    }
    if (s.chatNotifications === 'q-developer') {
      this.chatNotifier = this.addChatNotifier(table.tableName, historyUrl);
    }

    if (s.webhooks) {
      this.webhooks = new WebhookIntake(this, 'Webhooks', {
        ...s.webhooks,
        api: this.history.api,
        table,
        queue: this.scans.queue,
        secretLogicalId: `${prefix}WebhookSecret`,
      });
    }

    this.alarms = new ScanAlarms(this, 'Alarms', {
      alarmTopic: this.topics.alarmTopic,
      recorderService: 'dlq-recorder',
      deadLetterQueues: {
        Scan: this.scans.deadLetterQueue,
        Events: this.scans.eventsDeadLetterQueue,
        Delivery: this.topics.deliveryDeadLetterQueue,
      },
    });
  }

  private addSlackNotifier(
    secretArn: string,
    environment: Record<string, string>
  ): ScannerFunction {
    const fn = new ScannerFunction(this, 'SlackNotifier', {
      entry: 'lambdas/slack-notifier/handler.ts',
      serviceName: 'slack-notifier',
      description: 'archscan: posts findings to a Slack incoming webhook',
      memorySize: NOTIFIER_MEMORY_MB,
      timeout: NOTIFIER_TIMEOUT,
      deadLetterQueue: this.topics.deliveryDeadLetterQueue,
      environment: {
        ...environment,
        // The ARN, never the URL: the handler reads the secret at run time.
        [E.slackSecretArn]: secretArn,
        [E.maxSlackFindings]: '10',
      },
    });
    Grant.addToPrincipal({
      grantee: fn.role,
      actions: ['secretsmanager:GetSecretValue'],
      resourceArns: [secretArn],
    });
    this.topics.subscribeFunction(fn.function);
    return fn;
  }

  private addChatNotifier(tableName: string, historyUrl: string) {
    const chatTopic = this.topics.chatTopic!;
    const fn = new ScannerFunction(this, 'ChatNotifier', {
      entry: 'lambdas/chat-notifier/handler.ts',
      serviceName: 'chat-notifier',
      description: 'archscan: custom notifications for Amazon Q Developer',
      memorySize: NOTIFIER_MEMORY_MB,
      timeout: NOTIFIER_TIMEOUT,
      deadLetterQueue: this.topics.deliveryDeadLetterQueue,
      environment: {
        [E.tableName]: tableName,
        [E.historyApiUrl]: historyUrl,
        [E.chatTopicArn]: chatTopic.topicArn,
      },
    });
    chatTopic.grantPublish(fn.role);
    acknowledgeScopedWildcards(fn.role, { kms: true });
    this.topics.subscribeFunction(fn.function);
    return fn;
  }
}

/**
 * The registry hosts of ECR repository ARNs given as plain strings (other
 * accounts or Regions the worker is allowed to pull from); ARNs that are
 * tokens are left to the account's own host.
 *
 * @example ecrHostsOf(['arn:aws:ecr:eu-west-1:111122223333:repository/app']) // ['111122223333.dkr.ecr.eu-west-1.amazonaws.com']
 */
export function ecrHostsOf(
  arns: readonly string[],
  own?: { readonly account: string; readonly region: string }
): string[] {
  const hosts: string[] = [];
  for (const arn of arns) {
    const match =
      /^arn:(aws[a-z-]*):ecr:([a-z0-9-]+):(\d{12}):repository\//.exec(arn);
    if (!match) continue;
    const [, partition, region, account] = match;
    // The account's own registry is already on the list.
    if (own && account === own.account && region === own.region) continue;
    const suffix =
      partition === 'aws-cn' ? 'amazonaws.com.cn' : 'amazonaws.com';
    hosts.push(`${account}.dkr.ecr.${region}.${suffix}`);
  }
  return hosts;
}
