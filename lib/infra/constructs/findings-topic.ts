/**
 * Where findings go out: a KMS-encrypted standard SNS topic (standard,
 * because FIFO topics cannot deliver email) with severity-filtered email
 * subscriptions, an alarm topic for operators, and, for Amazon Q Developer
 * in chat applications, a dedicated chat topic.
 */
import { Duration, Validations } from 'aws-cdk-lib';
import { PolicyStatement, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { Key } from 'aws-cdk-lib/aws-kms';
import type { IFunction } from 'aws-cdk-lib/aws-lambda';
import { SubscriptionFilter, Topic } from 'aws-cdk-lib/aws-sns';
import {
  EmailSubscription,
  LambdaSubscription,
} from 'aws-cdk-lib/aws-sns-subscriptions';
import { Queue, QueueEncryption } from 'aws-cdk-lib/aws-sqs';
import { Construct } from 'constructs';
import type { NotifySeverity } from '../props.js';

/** Props of {@link FindingsTopic}. */
export interface FindingsTopicProps {
  /** Email addresses for findings at or above {@link notifySeverity}. */
  readonly emails: readonly string[];
  /** Email addresses for operational alarms. */
  readonly alarmEmails: readonly string[];
  /** Lowest severity delivered to subscribers. */
  readonly notifySeverity: NotifySeverity;
  /** Create the topic that Amazon Q Developer maps to a chat channel. */
  readonly chatTopic: boolean;
}

/**
 * The `severity` message-attribute values at or above a threshold.
 *
 * @example
 * severitiesFrom('warning'); // ['error', 'warning']
 */
export function severitiesFrom(threshold: NotifySeverity): string[] {
  return threshold === 'error' ? ['error'] : ['error', 'warning'];
}

/**
 * Encrypted topics and their subscriptions.
 *
 * @example
 * const topics = new FindingsTopic(this, 'Topics', {
 *   emails: ['team@example.com'], alarmEmails: [], notifySeverity: 'error', chatTopic: false,
 * });
 * topics.topic.grantPublish(worker);
 */
export class FindingsTopic extends Construct {
  /** Customer managed key of every topic here. */
  readonly key: Key;
  /** Scan results with `severity` (and other) message attributes. */
  readonly topic: Topic;
  /** CloudWatch alarms about the scanner itself. */
  readonly alarmTopic: Topic;
  /** Custom-notification JSON for Amazon Q Developer, when requested. */
  readonly chatTopic?: Topic;
  /** Messages SNS could not deliver to a subscriber. */
  readonly deliveryDeadLetterQueue: Queue;
  private readonly filter: Record<string, SubscriptionFilter>;

  constructor(scope: Construct, id: string, props: FindingsTopicProps) {
    super(scope, id);
    // A customer managed key, because the AWS managed aws/sns key's policy
    // cannot be edited, and CloudWatch alarms can only publish to an
    // encrypted topic whose key policy lets them.
    this.key = new Key(this, 'Key', {
      description: 'archscan notification topics',
      enableKeyRotation: true,
    });
    this.key.addToResourcePolicy(
      new PolicyStatement({
        sid: 'AllowCloudWatchAlarmsToPublish',
        principals: [new ServicePrincipal('cloudwatch.amazonaws.com')],
        actions: ['kms:Decrypt', 'kms:GenerateDataKey*'],
        resources: ['*'],
      })
    );
    this.deliveryDeadLetterQueue = new Queue(this, 'DeliveryDeadLetterQueue', {
      // SQS-managed keys: SNS can write without a key policy.
      encryption: QueueEncryption.SQS_MANAGED,
      enforceSSL: true,
      retentionPeriod: Duration.days(14),
    });
    Validations.of(this.deliveryDeadLetterQueue).acknowledge(
      {
        id: 'AwsSolutions-SQS3',
        reason:
          'this queue is the dead-letter target of SNS subscriptions (their RedrivePolicy), which cdk-nag does not count as DLQ use',
      },
      {
        id: 'Serverless-SQSRedrivePolicy',
        reason:
          'a dead-letter queue of undeliverable notifications; nothing consumes it, so it needs no DLQ of its own',
      }
    );
    this.filter = {
      severity: SubscriptionFilter.stringFilter({
        allowlist: severitiesFrom(props.notifySeverity),
      }),
    };
    this.topic = this.encryptedTopic('Topic', 'archscan findings');
    this.alarmTopic = this.encryptedTopic('AlarmTopic', 'archscan alarms');
    if (props.chatTopic) {
      this.chatTopic = this.encryptedTopic('ChatTopic', 'archscan chat');
    }
    for (const email of props.emails) {
      this.topic.addSubscription(
        new EmailSubscription(email, {
          filterPolicy: this.filter,
          deadLetterQueue: this.deliveryDeadLetterQueue,
        })
      );
    }
    for (const email of props.alarmEmails) {
      this.alarmTopic.addSubscription(
        new EmailSubscription(email, {
          deadLetterQueue: this.deliveryDeadLetterQueue,
        })
      );
    }
  }

  /**
   * Subscribes a function to findings at or above the severity threshold,
   * with undeliverable messages kept in {@link deliveryDeadLetterQueue}.
   */
  subscribeFunction(fn: IFunction): void {
    this.topic.addSubscription(
      new LambdaSubscription(fn, {
        filterPolicy: this.filter,
        deadLetterQueue: this.deliveryDeadLetterQueue,
      })
    );
  }

  private encryptedTopic(id: string, displayName: string): Topic {
    return new Topic(this, id, {
      displayName,
      masterKey: this.key,
      enforceSSL: true,
    });
  }
}
