/**
 * What `SnsNotifier` publishes for a notification, captured with
 * aws-sdk-client-mock: the input subscriber tests turn into SNS events.
 */
import {
  PublishCommand,
  type PublishCommandInput,
  SNSClient,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { SnsNotifier } from '../../lib/adapters/aws/sns-notifier.js';
import type { Notification } from '../../lib/ports/notifier.js';

export async function publishedFor(
  notification: Notification
): Promise<PublishCommandInput> {
  const sns = mockClient(SNSClient);
  try {
    sns.on(PublishCommand).resolves({ MessageId: 'm' });
    await new SnsNotifier({
      client: new SNSClient({ region: 'eu-west-1' }),
      topicArn: 'arn:aws:sns:eu-west-1:123456789012:archscan-findings',
    }).notify(notification);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    if (!input) throw new TypeError('SnsNotifier published nothing');
    return input;
  } finally {
    sns.restore();
  }
}
