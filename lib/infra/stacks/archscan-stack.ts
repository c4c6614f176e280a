/**
 * The deployable stack: one {@link ArchScanner} and the outputs people
 * need to use it.
 */
import { CfnOutput, Stack, type StackProps } from 'aws-cdk-lib';
import type { Construct } from 'constructs';
import { ArchScanner } from '../constructs/arch-scanner.js';
import type { ArchScannerProps } from '../props.js';

/** Props of {@link ArchScanStack}. */
export interface ArchScanStackProps extends StackProps {
  /** Scanner settings; every one has a default. */
  readonly scanner?: ArchScannerProps;
}

/**
 * archscan in one stack.
 *
 * @example
 * new ArchScanStack(app, 'ArchScan', { scanner: { emails: ['team@example.com'] } });
 */
export class ArchScanStack extends Stack {
  /** The scanner. */
  readonly scanner: ArchScanner;

  constructor(scope: Construct, id: string, props: ArchScanStackProps = {}) {
    super(scope, id, {
      description: 'archscan: checks the CPU architecture of pushed images',
      ...props,
    });
    this.scanner = new ArchScanner(this, 'Scanner', props.scanner);
    const s = this.scanner;
    new CfnOutput(this, 'HistoryApiUrl', {
      description: 'history API (SigV4-signed requests)',
      value: s.history.api.url,
    });
    new CfnOutput(this, 'FindingsTopicArn', {
      description: 'subscribe here for findings (filter on severity)',
      value: s.topics.topic.topicArn,
    });
    new CfnOutput(this, 'AlarmTopicArn', {
      description: 'subscribe here for operator alarms',
      value: s.topics.alarmTopic.topicArn,
    });
    if (s.topics.chatTopic) {
      new CfnOutput(this, 'ChatTopicArn', {
        description: 'map this topic to a channel in Amazon Q Developer',
        value: s.topics.chatTopic.topicArn,
      });
    }
    new CfnOutput(this, 'ScanQueueUrl', {
      description: 'send scan requests here',
      value: s.scans.queue.queueUrl,
    });
    new CfnOutput(this, 'FindingsTableName', {
      value: s.findings.table.tableName,
    });
    if (s.webhooks) {
      new CfnOutput(this, 'WebhookBaseUrl', {
        description:
          'registry webhooks: POST to this URL followed by the provider name',
        value: s.webhooks.baseUrl,
      });
      new CfnOutput(this, 'WebhookSecretArn', {
        description:
          'webhook credentials: a generated token, add provider keys',
        value: s.webhooks.secret.secretArn,
      });
      new CfnOutput(this, 'WebhookSecretName', {
        value: s.webhooks.secret.secretName,
      });
    }
  }
}
