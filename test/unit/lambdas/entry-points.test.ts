/**
 * Every Lambda entry module builds its handler from configuration at load
 * time, as Lambda loads it: a missing composition root or export fails here
 * rather than at the first invocation in AWS.
 */
import { afterAll, describe, expect, it, vi } from 'vitest';

const entries: Record<string, () => Promise<{ handler?: unknown }>> = {
  'scan-worker': () => import('../../../lambdas/scan-worker/handler.js'),
  'dlq-recorder': () => import('../../../lambdas/dlq-recorder/handler.js'),
  'history-api': () => import('../../../lambdas/history-api/handler.js'),
  'slack-notifier': () => import('../../../lambdas/slack-notifier/handler.js'),
  'chat-notifier': () => import('../../../lambdas/chat-notifier/handler.js'),
  'webhook-receiver': () =>
    import('../../../lambdas/webhook-receiver/handler.js'),
};

describe('Lambda entry points', () => {
  afterAll(() => {
    vi.unstubAllEnvs();
  });

  it.each(Object.keys(entries))(
    'lambdas/%s/handler.ts exports a handler function',
    async (name) => {
      // Prepare: the variables the stack sets
      vi.stubEnv('AWS_REGION', 'us-east-1');
      vi.stubEnv('TABLE_NAME', 'archscan-table');
      vi.stubEnv('REPORTS_BUCKET', 'archscan-reports');
      vi.stubEnv('TOPIC_ARN', 'arn:aws:sns:us-east-1:123456789012:findings');
      vi.stubEnv(
        'QUEUE_URL',
        'https://sqs.us-east-1.amazonaws.com/123456789012/scan'
      );
      vi.stubEnv('CHAT_TOPIC_ARN', 'arn:aws:sns:us-east-1:123456789012:chat');
      vi.stubEnv(
        'SLACK_SECRET_ARN',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:slack-AbCdEf'
      );
      vi.stubEnv(
        'WEBHOOK_SECRET_ARN',
        'arn:aws:secretsmanager:us-east-1:123456789012:secret:webhooks-AbCdEf'
      );
      vi.stubEnv('WEBHOOK_PROVIDERS', '["ghcr","gar"]');
      vi.stubEnv('ALLOWED_REGISTRIES', '["ghcr.io"]');
      // Act
      const module = await entries[name]!();
      // Assess
      expect(typeof module.handler).toBe('function');
    }
  );

  it('refuses to start without its table, naming the variable', async () => {
    const { loadConfig } = await import('../../../lambdas/shared/config.js');
    expect(() => loadConfig({})).toThrow(/TABLE_NAME/);
    expect(() =>
      loadConfig({ TABLE_NAME: 'tbl', EXPECTED_PLATFORMS: 'not json' })
    ).toThrow(/EXPECTED_PLATFORMS: must be a JSON array/);
  });

  it('refuses webhook settings out of range, naming the variable', async () => {
    const { loadConfig } = await import('../../../lambdas/shared/config.js');
    const base = { TABLE_NAME: 'tbl' };
    expect(() =>
      loadConfig({ ...base, WEBHOOK_PROVIDERS: '["ghcr","gitlab"]' })
    ).toThrow(/WEBHOOK_PROVIDERS: must be a JSON array of provider names/);
    expect(() =>
      loadConfig({ ...base, ALLOWED_REGISTRIES: 'ghcr.io' })
    ).toThrow(/ALLOWED_REGISTRIES: must be a JSON array/);
    expect(() => loadConfig({ ...base, COALESCE_SECONDS: '901' })).toThrow(
      /COALESCE_SECONDS/
    );
    expect(() => loadConfig({ ...base, REPLAY_WINDOW_SECONDS: '30' })).toThrow(
      /REPLAY_WINDOW_SECONDS/
    );
    expect(loadConfig(base)).toMatchObject({
      webhookProviders: [],
      allowedRegistries: [],
      coalesceSeconds: 10,
      replayWindowSeconds: 3600,
    });
    expect(
      loadConfig({
        ...base,
        WEBHOOK_PROVIDERS: '["quay"]',
        ALLOWED_REGISTRIES: '["quay.io","*.azurecr.io"]',
        COALESCE_SECONDS: '0',
      })
    ).toMatchObject({
      webhookProviders: ['quay'],
      allowedRegistries: ['quay.io', '*.azurecr.io'],
      coalesceSeconds: 0,
    });
  });
});
