import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  vi,
} from 'vitest';
import { NotifyError } from '../../../lib/engine/errors.js';
import type { SlackMessage } from '../../../lib/engine/notify/slack-blocks.js';
import {
  binaryFinding,
  makeRecord,
  missingPlatform,
} from '../../support/notify-records.js';
import { publishedFor } from '../../support/published.js';
import { lambdaContext, snsEventFrom } from '../../support/sns-events.js';
import {
  startWebhookServer,
  type WebhookServer,
} from '../../support/webhook-server.js';

type HandlerModule =
  typeof import('../../../lambdas/slack-notifier/handler.js');

const SECRET_PATH = '/services/T0SECRET/B0SECRET/hookSECRET';

describe('slack-notifier handler', () => {
  let server: WebhookServer;
  let module: HandlerModule;
  let output: string[];

  beforeAll(async () => {
    server = await startWebhookServer();
    // The module's composition root reads the environment at import.
    vi.stubEnv('TABLE_NAME', 'archscan-table');
    vi.stubEnv(
      'SLACK_SECRET_ARN',
      'arn:aws:secretsmanager:eu-west-1:123456789012:secret:slack'
    );
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    module = await import('../../../lambdas/slack-notifier/handler.js');
  });

  afterAll(async () => {
    vi.unstubAllEnvs();
    await server.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
    output = [];
    // Powertools writes logs and EMF metrics to stdout and errors to stderr.
    for (const stream of [process.stdout, process.stderr]) {
      vi.spyOn(stream, 'write').mockImplementation((chunk) => {
        output.push(String(chunk));
        return true;
      });
    }
  });

  afterEach(() => {
    vi.restoreAllMocks();
  });

  function handlerWith(
    secret: string,
    notifySeverity: 'error' | 'warning' = 'error'
  ) {
    return module.createHandler({
      webhookUrl: async () => secret,
      maxFindings: 2,
      notifySeverity,
      logger: new Logger({ serviceName: 'slack-test' }),
      tracer: new Tracer({ serviceName: 'slack-test', enabled: false }),
      metrics: new Metrics({
        namespace: 'archscan-test',
        serviceName: 'slack-test',
      }),
      webhook: { sleep: async () => undefined },
    });
  }

  it('posts the Block Kit message rebuilt from the scan attribute', async () => {
    // Prepare
    const record = makeRecord({
      findings: [
        missingPlatform(),
        binaryFinding(),
        binaryFinding({ path: '/b' }),
        binaryFinding({ path: '/c' }),
      ],
    });
    const event = snsEventFrom(
      await publishedFor({ record, historyUrl: 'https://h.example/s/1' })
    );
    const handler = handlerWith(
      JSON.stringify({ url: `${server.origin}${SECRET_PATH}` })
    );

    // Act
    await handler(event, lambdaContext('slack-notifier'));

    // Assess
    expect(server.requests).toHaveLength(1);
    expect(server.requests[0]?.path).toBe(SECRET_PATH);
    const posted = JSON.parse(server.requests[0]?.body ?? '') as SlackMessage;
    expect(posted.text).toBe('archscan: team/my-api:1.4.0 failed (4 errors)');
    expect(posted.blocks[0]).toEqual({
      type: 'header',
      text: { type: 'plain_text', text: 'team/my-api:1.4.0 failed (4 errors)' },
    });
    const texts = JSON.stringify(posted.blocks);
    expect(texts).toContain(
      '*binary-arch-mismatch* `linux/arm64` /usr/local/bin/app is linux/amd64'
    );
    expect(texts).toContain('…and 2 more findings');
    expect(texts).toContain('<https://h.example/s/1|full report>');
    const logs = output.join('');
    expect(logs).toContain('posted scan to slack');
    expect(logs).toContain('"slackMessagesSent"');
    expect(logs).not.toContain('SECRET');
  });

  it('skips messages without a scan attribute and warnings below NOTIFY_SEVERITY', async () => {
    // Prepare
    const foreign = snsEventFrom({
      TopicArn: 'arn:aws:sns:eu-west-1:1:t',
      Message: 'hello',
    });
    const warning = snsEventFrom(
      await publishedFor({
        record: makeRecord({
          findings: [binaryFinding({ severity: 'warning' })],
        }),
      })
    );
    const handler = handlerWith(`${server.origin}${SECRET_PATH}`);

    // Act
    await handler(foreign, lambdaContext('slack-notifier'));
    await handler(warning, lambdaContext('slack-notifier'));

    // Assess
    expect(server.requests).toHaveLength(0);
    expect(output.join('')).toContain('"slackMessagesSkipped"');
  });

  it('posts warnings when NOTIFY_SEVERITY is warning', async () => {
    // Prepare
    const warning = snsEventFrom(
      await publishedFor({
        record: makeRecord({
          findings: [binaryFinding({ severity: 'warning' })],
        }),
      })
    );

    // Act
    await handlerWith(`${server.origin}${SECRET_PATH}`, 'warning')(
      warning,
      lambdaContext('slack-notifier')
    );

    // Assess
    expect(server.requests).toHaveLength(1);
  });

  it('fails with Slack’s error and keeps the webhook URL out of the logs', async () => {
    // Prepare
    server.script({ status: 404, body: 'channel_not_found' });
    const event = snsEventFrom(
      await publishedFor({
        record: makeRecord({ findings: [binaryFinding()] }),
      })
    );

    // Act
    const error = await handlerWith(`${server.origin}${SECRET_PATH}`)(
      event,
      lambdaContext('slack-notifier')
    ).catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect((error as NotifyError).diagnostics).toEqual(['channel_not_found']);
    const logs = output.join('');
    expect(logs).toContain('could not post scan to slack');
    expect(logs).toContain('"slackMessagesFailed"');
    expect(logs).not.toContain('SECRET');
  });

  it('rejects an event that is not an SNS event, and a secret without a URL', async () => {
    // Prepare
    const event = snsEventFrom(
      await publishedFor({
        record: makeRecord({ findings: [binaryFinding()] }),
      })
    );

    // Act
    const notSns = await handlerWith(`${server.origin}${SECRET_PATH}`)(
      { Records: [{ body: 'sqs' }] } as never,
      lambdaContext('slack-notifier')
    ).catch((e: unknown) => e);
    const badSecret = await handlerWith('{"token":"xoxSECRET"}')(
      event,
      lambdaContext('slack-notifier')
    ).catch((e: unknown) => e);

    // Assess
    expect(notSns).toBeInstanceOf(Error);
    expect((notSns as Error).name).toBe('ParseError');
    expect(badSecret).toMatchObject({ code: 'config' });
    expect((badSecret as Error).message).not.toContain('SECRET');
    expect(server.requests).toHaveLength(0);
  });
});

describe('webhookUrlFrom', () => {
  it.each([
    [
      'https://hooks.slack.com/services/T/B/x',
      'https://hooks.slack.com/services/T/B/x',
    ],
    [
      ' https://hooks.slack.com/services/T/B/x\n',
      'https://hooks.slack.com/services/T/B/x',
    ],
    [
      '{"url":"https://hooks.slack.com/services/T/B/x"}',
      'https://hooks.slack.com/services/T/B/x',
    ],
    [
      '{"webhookUrl":"https://hooks.slack.com/services/T/B/y"}',
      'https://hooks.slack.com/services/T/B/y',
    ],
  ])('%j → %s', async (secret, expected) => {
    const { webhookUrlFrom } = await import(
      '../../../lambdas/slack-notifier/handler.js'
    );
    expect(webhookUrlFrom(secret)).toBe(expected);
  });

  it.each(['{"url":1}', '{bad json', 'ftp://x', ''])(
    'refuses %j',
    async (secret) => {
      const { webhookUrlFrom } = await import(
        '../../../lambdas/slack-notifier/handler.js'
      );
      expect(() => webhookUrlFrom(secret)).toThrow(
        /slack secret must hold the webhook url/
      );
    }
  );
});
