/**
 * The scan queue and its trigger: ECR push events on the default event bus
 * become raw EventBridge messages on an SQS queue that the worker drains.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { Rule } from 'aws-cdk-lib/aws-events';
import { SqsQueue } from 'aws-cdk-lib/aws-events-targets';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';

/** Props of {@link ScanQueue}. */
export interface ScanQueueProps {
  /** Timeout of the function that drains the queue. */
  readonly consumerTimeout: Duration;
  /**
   * ECR repository-name prefixes to scan.
   * @default every repository
   */
  readonly repositoryFilter?: readonly string[];
}

// Lambda's SQS guidance: after 5 receives a message is poison, not unlucky
// (throttled retries count as receives, so fewer would drop good messages).
const MAX_RECEIVE_COUNT = 5;
// A visibility timeout under 6x the function timeout lets a slow scan be
// delivered twice while the first attempt still runs.
const VISIBILITY_FACTOR = 6;
// SQS's maximum: two weeks to notice a dead letter and redrive it.
const DLQ_RETENTION = Duration.days(14);
// EventBridge's own defaults, written down: keep retrying a queue that is
// briefly unavailable for a day before the event goes to the target DLQ.
const TARGET_RETRY_ATTEMPTS = 185;
const TARGET_MAX_EVENT_AGE = Duration.hours(24);

/** The EventBridge pattern of a successful ECR push. */
export const ECR_PUSH_PATTERN = {
  source: ['aws.ecr'],
  detailType: ['ECR Image Action'],
  detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
} as const;

/**
 * SQS scan queue with a dead-letter queue, fed by an EventBridge rule on
 * ECR pushes (with its own target dead-letter queue).
 *
 * @example
 * const scans = new ScanQueue(this, 'Scans', { consumerTimeout: Duration.minutes(15) });
 */
export class ScanQueue extends Construct {
  /** Scan requests: raw ECR events and the worker's own grace re-checks. */
  readonly queue: Queue;
  /** Requests that failed {@link MAX_RECEIVE_COUNT} times. */
  readonly deadLetterQueue: Queue;
  /** Events EventBridge could not deliver to {@link queue}. */
  readonly eventsDeadLetterQueue: Queue;
  /** The ECR push rule. */
  readonly rule: Rule;

  constructor(scope: Construct, id: string, props: ScanQueueProps) {
    super(scope, id);
    this.deadLetterQueue = this.encryptedQueue('DeadLetterQueue', {
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(this.deadLetterQueue).acknowledge({
      id: 'Serverless-SQSRedrivePolicy',
      reason:
        'the terminal queue for scan requests: the dlq-recorder drains it and the poison alarm watches it; a further DLQ would hide failures',
    });
    this.queue = this.encryptedQueue('Queue', {
      visibilityTimeout: Duration.seconds(
        props.consumerTimeout.toSeconds() * VISIBILITY_FACTOR
      ),
      // The worker re-queues grace re-checks for up to 24 h in 15-minute
      // hops; four days leaves room for an outage on top.
      retentionPeriod: Duration.days(4),
      deadLetterQueue: {
        queue: this.deadLetterQueue,
        maxReceiveCount: MAX_RECEIVE_COUNT,
      },
    });
    this.eventsDeadLetterQueue = this.encryptedQueue('EventsDeadLetterQueue', {
      retentionPeriod: DLQ_RETENTION,
    });
    Validations.of(this.eventsDeadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'this queue is the dead-letter target of the EventBridge rule (RetryPolicy/DeadLetterConfig), which cdk-nag does not recognise as DLQ use',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'a dead-letter queue of undeliverable ECR events; nothing consumes it, so it needs no DLQ of its own',
      }
    );
    this.rule = new Rule(this, 'EcrPushRule', {
      description: 'ECR image pushes to be scanned for CPU architecture',
      eventPattern: pushPattern(props.repositoryFilter ?? []),
    });
    // The raw event, no input transformer: the worker's parser owns the
    // shape, and a transformer would drop fields it may need later.
    this.rule.addTarget(
      new SqsQueue(this.queue, {
        deadLetterQueue: this.eventsDeadLetterQueue,
        retryAttempts: TARGET_RETRY_ATTEMPTS,
        maxEventAge: TARGET_MAX_EVENT_AGE,
      })
    );
  }

  private encryptedQueue(
    id: string,
    props: ConstructorParameters<typeof Queue>[2]
  ): Queue {
    return new Queue(this, id, {
      ...props,
      // SQS-managed keys: EventBridge and SNS can write without a key policy.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
    });
  }
}

function pushPattern(prefixes: readonly string[]) {
  if (prefixes.length === 0) return structuredPattern(ECR_PUSH_PATTERN.detail);
  return structuredPattern({
    ...ECR_PUSH_PATTERN.detail,
    'repository-name': prefixes.map((prefix) => ({ prefix })),
  });
}

function structuredPattern(detail: Record<string, unknown>) {
  return {
    source: [...ECR_PUSH_PATTERN.source],
    detailType: [...ECR_PUSH_PATTERN.detailType],
    detail,
  };
}
