import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionId, logicalIds, synthTemplate } from './synth.js';

const SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:archscan/slack-AbCdEf';

describe('FindingsTopic', () => {
  let template: Template;
  let warnings: Template;
  let chat: Template;
  beforeAll(() => {
    template = synthTemplate({
      emails: ['a@example.com', 'b@example.com'],
      slackWebhookSecretArn: SECRET,
    });
    warnings = synthTemplate({
      emails: ['a@example.com'],
      alarmEmails: ['ops@example.com'],
      notifySeverity: 'warning',
    });
    chat = synthTemplate({ chatNotifications: 'q-developer' });
  });

  it('encrypts every topic with one rotating customer managed key', () => {
    template.resourceCountIs('AWS::KMS::Key', 1);
    template.hasResourceProperties('AWS::KMS::Key', {
      EnableKeyRotation: true,
    });
    const [key] = logicalIds(template, 'AWS::KMS::Key');
    const topics = template.findResources('AWS::SNS::Topic');
    expect(Object.keys(topics)).toHaveLength(2);
    for (const topic of Object.values(topics)) {
      expect(topic.Properties.KmsMasterKeyId).toEqual({
        'Fn::GetAtt': [key, 'Arn'],
      });
    }
  });

  it('lets CloudWatch alarms use the key to publish', () => {
    template.hasResourceProperties('AWS::KMS::Key', {
      KeyPolicy: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Principal: { Service: 'cloudwatch.amazonaws.com' },
            Action: ['kms:Decrypt', 'kms:GenerateDataKey*'],
          }),
        ]),
      },
    });
  });

  it('denies publishing without TLS on every topic', () => {
    const policies = template.findResources('AWS::SNS::TopicPolicy');
    const guarded = Object.values(policies).flatMap((p) =>
      (
        p.Properties.PolicyDocument.Statement as {
          Effect: string;
          Condition?: unknown;
        }[]
      ).some(
        (s) =>
          s.Effect === 'Deny' &&
          JSON.stringify(s.Condition) ===
            JSON.stringify({ Bool: { 'aws:SecureTransport': 'false' } })
      )
        ? (p.Properties.Topics as { Ref: string }[]).map((t) => t.Ref)
        : []
    );
    expect(guarded.sort()).toEqual(
      logicalIds(template, 'AWS::SNS::Topic').sort()
    );
  });

  it('subscribes each email to errors only by default, with a DLQ', () => {
    for (const email of ['a@example.com', 'b@example.com']) {
      template.hasResourceProperties('AWS::SNS::Subscription', {
        Protocol: 'email',
        Endpoint: email,
        TopicArn: { Ref: Match.stringLikeRegexp('NotificationsTopic') },
        FilterPolicy: { severity: ['error'] },
        RedrivePolicy: {
          deadLetterTargetArn: {
            'Fn::GetAtt': [
              Match.stringLikeRegexp('DeliveryDeadLetterQueue'),
              'Arn',
            ],
          },
        },
      });
    }
  });

  it('widens the filter to warnings when notifySeverity is warning', () => {
    warnings.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'a@example.com',
      FilterPolicy: { severity: ['error', 'warning'] },
    });
  });

  it('subscribes alarm emails to the alarm topic without a filter', () => {
    warnings.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'email',
      Endpoint: 'ops@example.com',
      TopicArn: { Ref: Match.stringLikeRegexp('AlarmTopic') },
      FilterPolicy: Match.absent(),
    });
  });

  it('defaults alarm emails to the finding emails', () => {
    template.resourcePropertiesCountIs(
      'AWS::SNS::Subscription',
      {
        Protocol: 'email',
        TopicArn: { Ref: Match.stringLikeRegexp('AlarmTopic') },
      },
      2
    );
  });

  it('subscribes the Slack notifier with the same severity filter', () => {
    template.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: {
        'Fn::GetAtt': [functionId(template, 'slack-notifier'), 'Arn'],
      },
      FilterPolicy: { severity: ['error'] },
      RedrivePolicy: Match.anyValue(),
    });
  });

  it('adds an encrypted chat topic and no Slack function for q-developer', () => {
    chat.resourceCountIs('AWS::SNS::Topic', 3);
    chat.hasResourceProperties('AWS::SNS::Topic', {
      DisplayName: 'archscan chat',
      KmsMasterKeyId: Match.anyValue(),
    });
    chat.hasResourceProperties('AWS::SNS::Subscription', {
      Protocol: 'lambda',
      Endpoint: { 'Fn::GetAtt': [functionId(chat, 'chat-notifier'), 'Arn'] },
      FilterPolicy: { severity: ['error'] },
    });
  });
});

describe('ScanAlarms', () => {
  let template: Template;
  beforeAll(() => {
    template = synthTemplate();
  });

  it('alarms on the dlq-recorder PoisonMessages metric', () => {
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'archscan',
      MetricName: 'PoisonMessages',
      Dimensions: [{ Name: 'service', Value: 'dlq-recorder' }],
      Statistic: 'Sum',
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      TreatMissingData: 'notBreaching',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
  });

  it('alarms when any dead-letter queue holds a message', () => {
    const [dlq] = logicalIds(template, 'AWS::SQS::Queue').filter((id) =>
      id.includes('ScansDeadLetterQueue')
    );
    template.hasResourceProperties('AWS::CloudWatch::Alarm', {
      Namespace: 'AWS/SQS',
      MetricName: 'ApproximateNumberOfMessagesVisible',
      Dimensions: [
        { Name: 'QueueName', Value: { 'Fn::GetAtt': [dlq, 'QueueName'] } },
      ],
      Threshold: 1,
      ComparisonOperator: 'GreaterThanOrEqualToThreshold',
      AlarmActions: [{ Ref: Match.stringLikeRegexp('AlarmTopic') }],
    });
    template.resourceCountIs('AWS::CloudWatch::Alarm', 4);
  });
});
