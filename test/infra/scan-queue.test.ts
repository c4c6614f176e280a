import { Match, type Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { functionId, logicalIds, synthTemplate } from './synth.js';

const PUSH = {
  source: ['aws.ecr'],
  'detail-type': ['ECR Image Action'],
  detail: { 'action-type': ['PUSH'], result: ['SUCCESS'] },
};

describe('ScanQueue', () => {
  let template: Template;
  let filtered: Template;
  beforeAll(() => {
    template = synthTemplate();
    filtered = synthTemplate({ repositoryFilter: ['prod/', 'team-a/'] });
  });

  it('gives the scan queue a DLQ after 5 receives and 6x the worker timeout', () => {
    const [dlq] = logicalIds(template, 'AWS::SQS::Queue', {
      RedrivePolicy: Match.absent(),
      MessageRetentionPeriod: 1_209_600,
    }).filter((id) => id.includes('ScansDeadLetterQueue'));
    expect(dlq).toBeDefined();
    template.hasResourceProperties('AWS::SQS::Queue', {
      VisibilityTimeout: 5_400,
      SqsManagedSseEnabled: true,
      RedrivePolicy: {
        deadLetterTargetArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
        maxReceiveCount: 5,
      },
    });
  });

  it('encrypts every queue and denies requests without TLS', () => {
    const queues = template.findResources('AWS::SQS::Queue');
    for (const queue of Object.values(queues)) {
      expect(queue.Properties.SqsManagedSseEnabled).toBe(true);
    }
    const policies = template.findResources('AWS::SQS::QueuePolicy');
    const guarded = Object.values(policies)
      .filter((p) =>
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
      )
      .flatMap((p) => p.Properties.Queues as { Ref: string }[])
      .map((q) => q.Ref);
    expect(guarded.sort()).toEqual(Object.keys(queues).sort());
  });

  it('matches successful ECR pushes on the default bus', () => {
    template.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: PUSH,
      EventBusName: Match.absent(),
      State: 'ENABLED',
    });
  });

  it('targets the scan queue with the raw event, a DLQ and a retry policy', () => {
    const [queue] = logicalIds(template, 'AWS::SQS::Queue', {
      VisibilityTimeout: 5_400,
    });
    const [eventsDlq] = logicalIds(template, 'AWS::SQS::Queue').filter((id) =>
      id.includes('EventsDeadLetterQueue')
    );
    template.hasResourceProperties('AWS::Events::Rule', {
      Targets: [
        {
          Arn: { 'Fn::GetAtt': [queue, 'Arn'] },
          Id: Match.anyValue(),
          DeadLetterConfig: { Arn: { 'Fn::GetAtt': [eventsDlq, 'Arn'] } },
          RetryPolicy: {
            MaximumRetryAttempts: 185,
            MaximumEventAgeInSeconds: 86_400,
          },
          Input: Match.absent(),
          InputTransformer: Match.absent(),
        },
      ],
    });
  });

  it('lets only the rule send to the queue', () => {
    template.hasResourceProperties('AWS::SQS::QueuePolicy', {
      PolicyDocument: {
        Statement: Match.arrayWith([
          Match.objectLike({
            Action: Match.arrayWith(['sqs:SendMessage']),
            Principal: { Service: 'events.amazonaws.com' },
            Condition: {
              ArnEquals: {
                'aws:SourceArn': {
                  'Fn::GetAtt': [Match.stringLikeRegexp('EcrPushRule'), 'Arn'],
                },
              },
            },
          }),
        ]),
      },
    });
  });

  it('adds repository-name prefixes when a filter is given', () => {
    filtered.hasResourceProperties('AWS::Events::Rule', {
      EventPattern: {
        ...PUSH,
        detail: {
          ...PUSH.detail,
          'repository-name': [{ prefix: 'prod/' }, { prefix: 'team-a/' }],
        },
      },
    });
  });

  it('drains the scan queue with the worker, one message at a time', () => {
    const [queue] = logicalIds(template, 'AWS::SQS::Queue', {
      VisibilityTimeout: 5_400,
    });
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [queue, 'Arn'] },
      FunctionName: { Ref: functionId(template, 'scan-worker') },
      BatchSize: 1,
      FunctionResponseTypes: ['ReportBatchItemFailures'],
      ScalingConfig: { MaximumConcurrency: 10 },
    });
  });

  it('drains the dead-letter queue with the dlq-recorder', () => {
    const [dlq] = logicalIds(template, 'AWS::SQS::Queue').filter((id) =>
      id.includes('ScansDeadLetterQueue')
    );
    template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      EventSourceArn: { 'Fn::GetAtt': [dlq, 'Arn'] },
      FunctionName: { Ref: functionId(template, 'dlq-recorder') },
      FunctionResponseTypes: ['ReportBatchItemFailures'],
    });
  });
});
