import type { Template } from 'aws-cdk-lib/assertions';
import { beforeAll, describe, expect, it } from 'vitest';
import { ENV } from '../../lambdas/shared/config.js';
import { LAMBDA_ENV } from '../../lib/infra/index.js';
import { synthTemplate } from './synth.js';

// Set by ScannerFunction for Powertools and Node, not read by config.ts.
const RUNTIME_ENV = new Set([
  'POWERTOOLS_SERVICE_NAME',
  'POWERTOOLS_METRICS_NAMESPACE',
  'NODE_OPTIONS',
]);

/** Environment variable names per Powertools service. */
function environments(template: Template): Record<string, string[]> {
  const result: Record<string, string[]> = {};
  for (const fn of Object.values(
    template.findResources('AWS::Lambda::Function')
  )) {
    const vars = fn.Properties.Environment.Variables as Record<string, unknown>;
    result[vars.POWERTOOLS_SERVICE_NAME as string] = Object.keys(vars)
      .filter((name) => !RUNTIME_ENV.has(name))
      .sort();
  }
  return result;
}

describe('environment contract with lambdas/shared/config.ts', () => {
  let slack: Template;
  let chat: Template;
  beforeAll(() => {
    slack = synthTemplate({
      slackWebhookSecretArn:
        'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack-AbCdEf',
    });
    chat = synthTemplate({
      chatNotifications: 'q-developer',
      webhooks: { providers: ['ghcr'], allowedRegistries: ['ghcr.io'] },
    });
  });

  it('repeats the handlers’ ENV names exactly', () => {
    expect(LAMBDA_ENV).toEqual(ENV);
  });

  it('sets only names the handlers read', () => {
    const known = new Set<string>(Object.values(ENV));
    for (const names of [
      ...Object.values(environments(slack)),
      ...Object.values(environments(chat)),
    ]) {
      expect(names.filter((n) => !known.has(n))).toEqual([]);
    }
  });

  it('uses every name somewhere', () => {
    const used = new Set(
      [
        ...Object.values(environments(slack)),
        ...Object.values(environments(chat)),
      ].flat()
    );
    expect([...used].sort()).toEqual(Object.values(ENV).sort());
  });

  it('gives each function only what it needs', () => {
    expect({ ...environments(slack), ...environments(chat) }).toEqual({
      // With or without webhooks, the worker gets its registry allowlist.
      'scan-worker': [
        'ALLOWED_REGISTRIES',
        'EXPECTED_PLATFORMS',
        'GRACE_SECONDS',
        'HISTORY_API_URL',
        'NOTIFY_SEVERITY',
        'QUEUE_URL',
        'REPORTS_BUCKET',
        'SCAN_TTL_DAYS',
        'TABLE_NAME',
        'TOPIC_ARN',
      ],
      'dlq-recorder': ['SCAN_TTL_DAYS', 'TABLE_NAME', 'TOPIC_ARN'],
      'history-api': ['REPORTS_BUCKET', 'TABLE_NAME'],
      'slack-notifier': [
        'HISTORY_API_URL',
        'MAX_SLACK_FINDINGS',
        'SLACK_SECRET_ARN',
        'TABLE_NAME',
      ],
      'chat-notifier': ['CHAT_TOPIC_ARN', 'HISTORY_API_URL', 'TABLE_NAME'],
      'webhook-receiver': [
        'ALLOWED_REGISTRIES',
        'COALESCE_SECONDS',
        'QUEUE_URL',
        'REPLAY_WINDOW_SECONDS',
        'TABLE_NAME',
        'WEBHOOK_PROVIDERS',
        'WEBHOOK_SECRET_ARN',
      ],
    });
  });
});
