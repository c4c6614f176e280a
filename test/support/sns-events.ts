/**
 * SNS-to-Lambda events as AWS documents them (`Records[].Sns` with
 * `MessageAttributes` of `{Type, Value}`), built from the Publish input our
 * notifier sent, and a Lambda context for invoking handlers in-process.
 * Lambda sees String.Array attributes as `Type: "String"` (reference
 * aws-notifications.md §1.2), and so does this builder.
 */
import type { PublishCommandInput } from '@aws-sdk/client-sns';
import type { Context } from 'aws-lambda';
import type { SnsEvent } from '../../lambdas/shared/scan-message.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:archscan-findings';

/** The event Lambda receives when `input` is published to the topic. */
export function snsEventFrom(input: PublishCommandInput): SnsEvent {
  const attributes = Object.fromEntries(
    Object.entries(input.MessageAttributes ?? {}).map(([name, value]) => [
      name,
      {
        Type:
          value.DataType === 'String.Array'
            ? 'String'
            : (value.DataType ?? 'String'),
        Value: value.StringValue ?? '',
      },
    ])
  );
  return {
    Records: [
      {
        EventSource: 'aws:sns' as const,
        EventVersion: '1.0',
        EventSubscriptionArn: `${TOPIC}:2bcfbf39-05c3-41de-beaa-fcfcc21c8f55`,
        Sns: {
          Type: 'Notification' as const,
          MessageId: '95df01b4-ee98-5cb9-9903-4c221d41eb5e',
          TopicArn: input.TopicArn ?? TOPIC,
          Subject: input.Subject ?? null,
          Message: input.Message ?? '',
          Timestamp: '2026-03-01T12:00:01.000Z',
          SignatureVersion: '1',
          Signature:
            'tcc6faL2yUC6dgZdmrwh1Y4cGa/ebXEkAi6RibDsvpi+tE/1+82j...65r==',
          SigningCertUrl:
            'https://sns.eu-west-1.amazonaws.com/SimpleNotificationService-ac565b8b1a6c5d002d285f9598aa1d9b.pem',
          UnsubscribeUrl: `https://sns.eu-west-1.amazonaws.com/?Action=Unsubscribe&SubscriptionArn=${TOPIC}:2bcfbf39`,
          MessageAttributes: attributes,
        },
      },
    ],
  };
}

/** A Lambda context good enough for Powertools and middy. */
export function lambdaContext(functionName: string): Context {
  return {
    callbackWaitsForEmptyEventLoop: true,
    functionName,
    functionVersion: '$LATEST',
    invokedFunctionArn: `arn:aws:lambda:eu-west-1:123456789012:function:${functionName}`,
    memoryLimitInMB: '256',
    awsRequestId: 'c6af9ac6-7b61-11e6-9a41-93e812345678',
    logGroupName: `/aws/lambda/${functionName}`,
    logStreamName: '2026/03/01/[$LATEST]abcdef',
    getRemainingTimeInMillis: () => 30_000,
    done: () => undefined,
    fail: () => undefined,
    succeed: () => undefined,
  };
}
