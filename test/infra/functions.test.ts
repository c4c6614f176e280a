import { App } from 'aws-cdk-lib';
import { Match, Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ArchScanStack } from '../../lib/infra/index.js';
import { APP_CONTEXT, evaluate, functionId, synthTemplate } from './synth.js';

const SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:archscan/slack-AbCdEf';

describe('ScannerFunction defaults', () => {
  let template: Template;
  beforeAll(() => {
    template = synthTemplate({
      slackWebhookSecretArn: SECRET,
      expectedPlatforms: [
        { pattern: 'prod/*', platforms: ['linux/amd64', 'linux/arm64'] },
        { pattern: '*', platforms: [] },
      ],
      graceMinutes: 30,
      notifySeverity: 'warning',
    });
  });

  const services = [
    'scan-worker',
    'dlq-recorder',
    'history-api',
    'slack-notifier',
  ];

  it('creates one function per handler and no other', () => {
    template.resourceCountIs('AWS::Lambda::Function', services.length);
  });

  it.each(services)(
    'runs %s on nodejs22.x, ARM64, traced, with source maps',
    (service) => {
      template.hasResourceProperties('AWS::Lambda::Function', {
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        Handler: 'index.handler',
        TracingConfig: { Mode: 'Active' },
        Environment: {
          Variables: Match.objectLike({
            POWERTOOLS_SERVICE_NAME: service,
            POWERTOOLS_METRICS_NAMESPACE: 'archscan',
            NODE_OPTIONS: '--enable-source-maps',
          }),
        },
        LoggingConfig: { LogGroup: Match.anyValue() },
      });
    }
  );

  it('gives every function a log group of its own with a retention', () => {
    const groups = template.findResources('AWS::Logs::LogGroup');
    const fns = template.findResources('AWS::Lambda::Function');
    for (const fn of Object.values(fns)) {
      const ref = fn.Properties.LoggingConfig.LogGroup.Ref as string;
      expect(groups[ref]?.Properties.RetentionInDays).toBe(30);
    }
  });

  it('sizes the worker for two vCPUs and the Lambda maximum timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'scan-worker' }),
      },
      MemorySize: 3538,
      Timeout: 900,
    });
  });

  it('gives the worker its settings as environment variables', () => {
    const worker = template.findResources('AWS::Lambda::Function')[
      functionId(template, 'scan-worker')
    ];
    const env = worker?.Properties.Environment.Variables;
    expect(JSON.parse(env.EXPECTED_PLATFORMS)).toEqual([
      { pattern: 'prod/*', platforms: ['linux/amd64', 'linux/arm64'] },
      { pattern: '*', platforms: [] },
    ]);
    expect(env).toMatchObject({
      GRACE_SECONDS: '1800',
      NOTIFY_SEVERITY: 'warning',
      SCAN_TTL_DAYS: '365',
      TABLE_NAME: { Ref: 'ScannerFindingsTable' },
      REPORTS_BUCKET: { Ref: 'ScannerReportsBucket' },
      TOPIC_ARN: { Ref: expect.stringMatching(/NotificationsTopic/) },
      QUEUE_URL: { Ref: expect.stringMatching(/ScansQueue/) },
      HISTORY_API_URL: expect.anything(),
    });
  });

  it('limits the worker to this account’s ECR registry without webhooks', () => {
    const worker = template.findResources('AWS::Lambda::Function')[
      functionId(template, 'scan-worker')
    ];
    const env = worker?.Properties.Environment.Variables;
    expect(JSON.parse(evaluate(env.ALLOWED_REGISTRIES))).toEqual([
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
    ]);
  });

  it('also allows the ECR registries of repositoryArns in other accounts and Regions', () => {
    // Prepare
    const scoped = synthTemplate({
      repositoryArns: [
        'arn:aws:ecr:eu-west-1:123456789012:repository/team/app',
        'arn:aws:ecr:us-east-1:111122223333:repository/shared/base',
      ],
    });
    // Act
    const env = scoped.findResources('AWS::Lambda::Function')[
      functionId(scoped, 'scan-worker')
    ]?.Properties.Environment.Variables;
    // Assess
    expect(JSON.parse(evaluate(env.ALLOWED_REGISTRIES))).toEqual([
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      '111122223333.dkr.ecr.us-east-1.amazonaws.com',
    ]);
  });

  it('names the worker’s ECR host from the deployment’s account, Region and partition', () => {
    // Prepare: an environment-agnostic stack, resolved at deployment
    const app = new App({
      builtinCloudFormationValidation: false,
      context: { ...APP_CONTEXT, 'aws:cdk:bundling-stacks': [] },
    });
    const agnostic = Template.fromStack(new ArchScanStack(app, 'Agnostic'));
    // Act
    const env = agnostic.findResources('AWS::Lambda::Function')[
      functionId(agnostic, 'scan-worker')
    ]?.Properties.Environment.Variables;
    // Assess: China Regions use amazonaws.com.cn, so the suffix is a
    // reference, never a literal
    expect(JSON.stringify(env.ALLOWED_REGISTRIES)).toContain(
      '{"Ref":"AWS::URLSuffix"}'
    );
    expect(JSON.parse(evaluate(env.ALLOWED_REGISTRIES))).toEqual([
      '<AWS::AccountId>.dkr.ecr.<AWS::Region>.amazonaws.com',
    ]);
  });

  it('passes the Slack secret by ARN, never its value', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'slack-notifier',
          SLACK_SECRET_ARN: SECRET,
          MAX_SLACK_FINDINGS: '10',
        }),
      },
    });
    expect(JSON.stringify(template.toJSON())).not.toMatch(/hooks\.slack\.com/);
  });

  it('gives the SNS-invoked notifier a dead-letter queue', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'slack-notifier',
        }),
      },
      DeadLetterConfig: {
        TargetArn: {
          'Fn::GetAtt': [
            Match.stringLikeRegexp('DeliveryDeadLetterQueue'),
            'Arn',
          ],
        },
      },
    });
  });

  it('keeps the history API within the API Gateway timeout', () => {
    template.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({ POWERTOOLS_SERVICE_NAME: 'history-api' }),
      },
      Timeout: 10,
    });
  });
});

describe('chat notifier variants', () => {
  let none: Template;
  let chat: Template;
  beforeAll(() => {
    none = synthTemplate();
    chat = synthTemplate({ chatNotifications: 'q-developer' });
  });

  it('creates no notifier function without chat notifications', () => {
    none.resourceCountIs('AWS::Lambda::Function', 3);
    expect(() => functionId(none, 'slack-notifier')).toThrow();
  });

  it('publishes to the chat topic with q-developer', () => {
    chat.resourceCountIs('AWS::Lambda::Function', 4);
    chat.hasResourceProperties('AWS::Lambda::Function', {
      Environment: {
        Variables: Match.objectLike({
          POWERTOOLS_SERVICE_NAME: 'chat-notifier',
          CHAT_TOPIC_ARN: { Ref: Match.stringLikeRegexp('ChatTopic') },
        }),
      },
    });
  });
});
