import { describe, expect, it } from 'vitest';
import { settingsFromContext } from '../../lib/infra/context.js';
import { InfraConfigError } from '../../lib/infra/errors.js';
import { resolveArchScannerProps } from '../../lib/infra/props.js';

const SECRET =
  'arn:aws:secretsmanager:eu-west-1:123456789012:secret:archscan/slack-AbCdEf';

describe('resolveArchScannerProps', () => {
  it('applies every default', () => {
    expect(resolveArchScannerProps()).toEqual({
      expectedPlatforms: [{ pattern: '*', platforms: [] }],
      emails: [],
      alarmEmails: [],
      chatNotifications: 'none',
      notifySeverity: 'error',
      graceMinutes: 15,
      scanTtlDays: 365,
      repositoryFilter: [],
      maxConcurrency: 10,
    });
  });

  it('turns Slack on when a secret is given and alarms follow emails', () => {
    const resolved = resolveArchScannerProps({
      slackWebhookSecretArn: SECRET,
      emails: ['team@example.com'],
    });
    expect(resolved.chatNotifications).toBe('slack');
    expect(resolved.alarmEmails).toEqual(['team@example.com']);
  });

  it.each([
    [{ graceMinutes: 1_441 }, /graceMinutes: 1441/],
    [{ graceMinutes: 1.5 }, /graceMinutes/],
    [{ scanTtlDays: 0 }, /scanTtlDays/],
    [{ maxConcurrency: 1 }, /maxConcurrency/],
    [{ emails: ['not-an-address'] }, /emails: "not-an-address"/],
    [{ chatNotifications: 'slack' as const }, /needs slackWebhookSecretArn/],
    [
      {
        slackWebhookSecretArn:
          'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack',
      },
      /complete Secrets Manager secret ARN/,
    ],
    [
      { slackWebhookSecretArn: 'https://hooks.slack.com/x' },
      /slackWebhookSecretArn/,
    ],
    [{ repositoryArns: [] }, /repositoryArns: the list is empty/],
    [{ repositoryArns: ['arn:aws:s3:::bucket'] }, /not an ECR repository ARN/],
    [{ repositoryFilter: [''] }, /repositoryFilter/],
    [
      { expectedPlatforms: [{ pattern: 'prod/*', platforms: ['amd64'] }] },
      /"amd64" in rule "prod\/\*"/,
    ],
    [{ expectedPlatforms: [{ pattern: '', platforms: [] }] }, /empty pattern/],
    [
      {
        expectedPlatforms: Array.from({ length: 60 }, (_, i) => ({
          pattern: `team-${i}/*`,
          platforms: ['linux/amd64'],
        })),
      },
      /exceed 2048 characters/,
    ],
  ])('rejects %j', (props, message) => {
    expect(() => resolveArchScannerProps(props)).toThrow(InfraConfigError);
    expect(() => resolveArchScannerProps(props)).toThrow(message);
  });

  it('accepts arm variants and 24-hour grace windows', () => {
    const resolved = resolveArchScannerProps({
      graceMinutes: 1_440,
      expectedPlatforms: [{ pattern: '*', platforms: ['linux/arm/v7'] }],
    });
    expect(resolved.graceMinutes).toBe(1_440);
  });
});

describe('settingsFromContext', () => {
  const reader = (values: Record<string, unknown>) => (key: string) =>
    values[key];

  it('reads typed cdk.json values', () => {
    const settings = settingsFromContext(
      reader({
        'archscan:graceMinutes': 30,
        'archscan:emails': ['a@example.com'],
        'archscan:expectedPlatforms': [
          { pattern: 'prod/*', platforms: ['linux/arm64'] },
        ],
      })
    );
    expect(settings).toEqual({
      stackName: 'ArchScan',
      scanner: {
        graceMinutes: 30,
        emails: ['a@example.com'],
        expectedPlatforms: [{ pattern: 'prod/*', platforms: ['linux/arm64'] }],
      },
    });
  });

  it('reads strings from -c key=value', () => {
    const settings = settingsFromContext(
      reader({
        'archscan:stackName': 'ScanProd',
        'archscan:graceMinutes': '45',
        'archscan:emails': 'a@example.com, b@example.com',
        'archscan:repositoryFilter': '["prod/"]',
        'archscan:expectedPlatforms':
          '[{"pattern":"*","platforms":["linux/amd64"]}]',
        'archscan:notifySeverity': 'warning',
        'archscan:slackWebhookSecretArn': '',
      })
    );
    expect(settings).toEqual({
      stackName: 'ScanProd',
      scanner: {
        graceMinutes: 45,
        emails: ['a@example.com', 'b@example.com'],
        repositoryFilter: ['prod/'],
        expectedPlatforms: [{ pattern: '*', platforms: ['linux/amd64'] }],
        notifySeverity: 'warning',
      },
    });
  });

  it.each([
    [{ 'archscan:graceMinutes': 'soon' }, /graceMinutes: "soon"/],
    [{ 'archscan:expectedPlatforms': '{' }, /not valid JSON/],
    [{ 'archscan:expectedPlatforms': [{ pattern: 1 }] }, /expectedPlatforms/],
    [{ 'archscan:emails': 5 }, /emails: expected a list/],
    [{ 'archscan:notifySeverity': 3 }, /expected a string/],
  ])('rejects %j', (values, message) => {
    expect(() => settingsFromContext(reader(values))).toThrow(message);
  });
});
