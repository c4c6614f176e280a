import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  actionsOf,
  roleId,
  type Statement,
  statementsOf,
  synthTemplate,
} from './synth.js';

const SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:archscan/slack-AbCdEf';
const REPO = 'arn:aws:ecr:eu-west-1:123456789012:repository/prod/api';
const PULL = [
  'ecr:BatchCheckLayerAvailability',
  'ecr:BatchGetImage',
  'ecr:DescribeImages',
  'ecr:GetDownloadUrlForLayer',
];
const XRAY = ['xray:PutTelemetryRecords', 'xray:PutTraceSegments'];

/** Statements that mention `action`. */
function having(statements: readonly Statement[], action: string) {
  return statements.filter((s) => actionsOf([s]).includes(action));
}

describe('least privilege', () => {
  let template: Template;
  let scoped: Template;
  let chat: Template;
  beforeAll(() => {
    template = synthTemplate({ slackWebhookSecretArn: SECRET });
    scoped = synthTemplate({ repositoryArns: [REPO] });
    chat = synthTemplate({ chatNotifications: 'q-developer' });
  });

  it('uses no AWS managed policy on any function role', () => {
    for (const service of ['scan-worker', 'dlq-recorder', 'history-api']) {
      const role =
        template.findResources('AWS::IAM::Role')[roleId(template, service)];
      expect(role?.Properties.ManagedPolicyArns).toBeUndefined();
    }
  });

  it('allows ecr:GetAuthorizationToken on * and nothing else on *', () => {
    const worker = statementsOf(template, roleId(template, 'scan-worker'));
    const token = having(worker, 'ecr:GetAuthorizationToken');
    expect(token).toEqual([
      { Action: 'ecr:GetAuthorizationToken', Effect: 'Allow', Resource: '*' },
    ]);
    const onStar = worker.filter((s) => s.Resource === '*');
    expect(actionsOf(onStar)).toEqual(['ecr:GetAuthorizationToken', ...XRAY]);
  });

  it('scopes ECR pulls to repositoryArns', () => {
    const worker = statementsOf(scoped, roleId(scoped, 'scan-worker'));
    const pull = having(worker, 'ecr:BatchGetImage');
    expect(pull).toHaveLength(1);
    expect(actionsOf(pull)).toEqual(PULL);
    expect(pull[0]?.Resource).toBe(REPO);
  });

  it('defaults ECR pulls to the repositories of this account and Region', () => {
    const worker = statementsOf(template, roleId(template, 'scan-worker'));
    const [pull] = having(worker, 'ecr:BatchGetImage');
    expect(JSON.stringify(pull?.Resource)).toContain(
      ':ecr:eu-west-1:123456789012:repository/*'
    );
  });

  it('lets the worker read and write the table, reports and layers, publish and re-queue', () => {
    const worker = statementsOf(template, roleId(template, 'scan-worker'));
    const actions = actionsOf(worker);
    for (const action of [
      'dynamodb:PutItem',
      'dynamodb:Query',
      's3:GetObject',
      's3:PutObject',
      'sns:Publish',
      'sqs:SendMessage',
      'kms:GenerateDataKey*',
    ]) {
      expect(actions).toContain(action);
    }
    const objects = having(worker, 's3:PutObject').map((s) =>
      JSON.stringify(s.Resource)
    );
    expect(objects).toEqual([
      expect.stringContaining('/reports/*'),
      expect.stringContaining('/layers/*'),
    ]);
    expect(having(worker, 'sns:Publish')[0]?.Resource).toEqual({
      Ref: expect.stringMatching(/NotificationsTopic/),
    });
    expect(having(worker, 'sqs:SendMessage')[0]?.Resource).toEqual({
      'Fn::GetAtt': [expect.stringMatching(/ScansQueue/), 'Arn'],
    });
  });

  it('keeps the history API read-only on the table and reports', () => {
    const history = statementsOf(template, roleId(template, 'history-api'));
    const actions = actionsOf(history);
    expect(actions).toContain('dynamodb:Query');
    expect(actions).toContain('s3:GetObject');
    const data = actions.filter((a) => /^(dynamodb|s3|sns|sqs):/.test(a));
    expect(
      data.filter((a) => /Put|Write|Delete|Update|Publish|Send/.test(a))
    ).toEqual([]);
    expect(
      JSON.stringify(having(history, 's3:GetObject')[0]?.Resource)
    ).toContain('/reports/*');
  });

  it('lets the dlq-recorder write the table, publish to the findings topic and nothing more', () => {
    const recorder = statementsOf(template, roleId(template, 'dlq-recorder'));
    const actions = actionsOf(recorder);
    expect(actions).toContain('dynamodb:PutItem');
    expect(actions.filter((a) => /^(s3|ecr):/.test(a))).toEqual([]);
    expect(actions.filter((a) => /dynamodb:(Get|Query|Scan)/.test(a))).toEqual(
      []
    );
    expect(having(recorder, 'sns:Publish')[0]?.Resource).toEqual({
      Ref: expect.stringMatching(/NotificationsTopic/),
    });
  });

  it('lets the Slack notifier read that one secret and nothing else there', () => {
    const slack = statementsOf(template, roleId(template, 'slack-notifier'));
    const secrets = slack.filter((s) =>
      actionsOf([s]).some((a) => a.startsWith('secretsmanager:'))
    );
    expect(secrets).toEqual([
      {
        Action: 'secretsmanager:GetSecretValue',
        Effect: 'Allow',
        Resource: SECRET,
      },
    ]);
    expect(
      actionsOf(slack).filter((a) => /^(dynamodb|s3|sns):/.test(a))
    ).toEqual([]);
  });

  it('lets the chat notifier publish to the chat topic only', () => {
    const notifier = statementsOf(chat, roleId(chat, 'chat-notifier'));
    const publish = having(notifier, 'sns:Publish');
    expect(publish).toEqual([
      {
        Action: 'sns:Publish',
        Effect: 'Allow',
        Resource: { Ref: expect.stringMatching(/ChatTopic/) },
      },
    ]);
    expect(
      actionsOf(notifier).filter((a) => /^(dynamodb|s3):/.test(a))
    ).toEqual([]);
  });

  it('writes logs only to each function’s own log group', () => {
    const writes = statementsOf(
      template,
      roleId(template, 'scan-worker')
    ).filter((s) => actionsOf([s]).includes('logs:PutLogEvents'));
    expect(writes).toEqual([
      {
        Action: ['logs:CreateLogStream', 'logs:PutLogEvents'],
        Effect: 'Allow',
        Resource: {
          'Fn::GetAtt': [expect.stringMatching(/ScanWorkerLogs/), 'Arn'],
        },
      },
    ]);
  });
});
