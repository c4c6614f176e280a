import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  redactWebhookUrl,
  SlackWebhook,
} from '../../../../lib/adapters/notify/slack-webhook.js';
import { NotifyError } from '../../../../lib/engine/errors.js';
import type { SlackMessage } from '../../../../lib/engine/notify/slack-blocks.js';
import {
  startWebhookServer,
  type WebhookServer,
} from '../../../support/webhook-server.js';

const SECRET_PATH = '/services/T0000SECRET/B0000SECRET/xoxSECRETxox';
const MESSAGE: SlackMessage = {
  text: 'archscan: team/my-api:1.4.0 failed (1 error)',
  blocks: [
    {
      type: 'header',
      text: { type: 'plain_text', text: 'team/my-api:1.4.0 failed' },
    },
  ],
};

describe('SlackWebhook against a real HTTP server', () => {
  let server: WebhookServer;
  let slept: number[];
  let url: string;

  beforeAll(async () => {
    server = await startWebhookServer();
    url = `${server.origin}${SECRET_PATH}`;
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
    slept = [];
  });

  const webhook = (
    options: { attempts?: number; maxRetryAfterMs?: number } = {}
  ) =>
    new SlackWebhook({
      url,
      ...options,
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

  it('posts the message as JSON to the webhook path', async () => {
    // Act
    await webhook().post(MESSAGE);

    // Assess
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    expect(request?.method).toBe('POST');
    expect(request?.path).toBe(SECRET_PATH);
    expect(request?.headers['content-type']).toBe(
      'application/json; charset=utf-8'
    );
    expect(JSON.parse(request?.body ?? '')).toEqual(MESSAGE);
    expect(slept).toEqual([]);
  });

  it('waits as long as Retry-After says on 429, capped, then succeeds', async () => {
    // Prepare
    server.script(
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '2' } },
      { status: 429, body: 'rate_limited', headers: { 'retry-after': '600' } }
    );

    // Act
    await webhook({ maxRetryAfterMs: 5_000 }).post(MESSAGE);

    // Assess
    expect(server.requests).toHaveLength(3);
    expect(slept).toEqual([2_000, 5_000]);
  });

  it('backs off exponentially on 5xx and on a cut connection', async () => {
    // Prepare
    server.script(
      { status: 500, body: 'rollup_error' },
      { status: 503 },
      { status: 0, hangUp: true }
    );

    // Act
    await webhook().post(MESSAGE);

    // Assess
    expect(server.requests).toHaveLength(4);
    expect(slept).toEqual([1_000, 2_000, 4_000]);
  });

  it('gives up after the last try with a retryable error', async () => {
    // Prepare
    server.script(
      { status: 500, body: 'rollup_error' },
      { status: 500, body: 'rollup_error' }
    );

    // Act
    const error = await webhook({ attempts: 2 })
      .post(MESSAGE)
      .catch((e: unknown) => e);

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({
      status: 500,
      retryable: true,
      diagnostics: ['rollup_error'],
    });
    expect(server.requests).toHaveLength(2);
  });

  it.each([
    [404, 'channel_not_found'],
    [400, 'invalid_payload'],
    [410, 'channel_is_archived'],
    [403, 'action_prohibited'],
  ])(
    'treats %i %s as permanent and names Slack’s error without the URL',
    async (status, body) => {
      // Prepare
      server.script({ status, body: `${body} ${url}` });

      // Act
      const error = (await webhook()
        .post(MESSAGE)
        .catch((e: unknown) => e)) as NotifyError;

      // Assess
      expect(server.requests).toHaveLength(1);
      expect(error).toBeInstanceOf(NotifyError);
      expect(error.retryable).toBe(false);
      expect(error.status).toBe(status);
      expect(error.message).toContain(`answered ${status} ${body}`);
      expect(error.message).toContain(`${server.origin}/services/…`);
      expect(
        JSON.stringify({ ...error, message: error.message, cause: error.cause })
      ).not.toContain('SECRET');
    }
  );

  it('never shows the URL when the server cannot be reached', async () => {
    // Prepare
    const closed = await startWebhookServer();
    const deadUrl = `${closed.origin}${SECRET_PATH}`;
    await closed.close();

    // Act
    const error = (await new SlackWebhook({ url: deadUrl, attempts: 1 })
      .post(MESSAGE)
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.retryable).toBe(true);
    expect(error.message).toBe(
      `could not reach slack webhook ${closed.origin}/services/…: TypeError`
    );
    expect(error.cause).toBeUndefined();
  });
});

describe('redactWebhookUrl', () => {
  it.each([
    [
      'https://hooks.slack.com/services/T0/B0/secret',
      'https://hooks.slack.com/services/…',
    ],
    ['https://hooks.slack.com/', 'https://hooks.slack.com/…'],
    ['not a url', '(invalid webhook url)'],
  ])('%s → %s', (input, expected) => {
    expect(redactWebhookUrl(input)).toBe(expected);
  });
});
