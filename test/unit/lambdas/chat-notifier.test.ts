import 'aws-sdk-client-mock-vitest/extend';
import { Logger } from '@aws-lambda-powertools/logger';
import { Metrics } from '@aws-lambda-powertools/metrics';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { PublishCommand, SNSClient } from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
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
import { SnsChatPublisher } from '../../../lib/adapters/aws/sns-chat-publisher.js';
import { NotifyError } from '../../../lib/engine/errors.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  REGISTRY,
} from '../../support/notify-records.js';
import { publishedFor } from '../../support/published.js';
import { lambdaContext, snsEventFrom } from '../../support/sns-events.js';

type HandlerModule = typeof import('../../../lambdas/chat-notifier/handler.js');

const CHAT_TOPIC = 'arn:aws:sns:eu-west-1:123456789012:archscan-chat';

describe('chat-notifier handler', () => {
  let module: HandlerModule;
  let output: string[];
  const sns = mockClient(SNSClient);

  beforeAll(async () => {
    // The module's composition root reads the environment at import.
    vi.stubEnv('TABLE_NAME', 'archscan-table');
    vi.stubEnv('CHAT_TOPIC_ARN', CHAT_TOPIC);
    vi.stubEnv('AWS_REGION', 'eu-west-1');
    module = await import('../../../lambdas/chat-notifier/handler.js');
  });

  afterAll(() => {
    vi.unstubAllEnvs();
    sns.restore();
  });

  beforeEach(() => {
    output = [];
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

  /** Events come from the real notifier; only then is the chat client mocked. */
  async function eventFor(record: ReturnType<typeof makeRecord>) {
    const event = snsEventFrom(
      await publishedFor({ record, historyUrl: 'https://h.example/s/1' })
    );
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'chat-1' });
    return event;
  }

  function handler() {
    return module.createHandler({
      publisher: new SnsChatPublisher({
        client: new SNSClient({ region: 'eu-west-1' }),
        topicArn: CHAT_TOPIC,
      }),
      notifySeverity: 'error',
      logger: new Logger({ serviceName: 'chat-test' }),
      tracer: new Tracer({ serviceName: 'chat-test', enabled: false }),
      metrics: new Metrics({
        namespace: 'archscan-test',
        serviceName: 'chat-test',
      }),
    });
  }

  it('publishes the custom notification JSON to the chat topic', async () => {
    // Prepare
    const event = await eventFor(
      makeRecord({
        findings: [binaryFinding()],
        regression: {
          lostPlatforms: ['linux/arm/v7'],
          newFindings: [],
          previousScanId: 'prev',
        },
      })
    );

    // Act
    await handler()(event, lambdaContext('chat-notifier'));

    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    const input = sns.commandCalls(PublishCommand)[0]?.args[0].input;
    expect(input?.TopicArn).toBe(CHAT_TOPIC);
    expect(input).not.toHaveProperty('MessageStructure');
    expect(input).not.toHaveProperty('Subject');
    expect(JSON.parse(input?.Message ?? '')).toEqual({
      version: '1.0',
      source: 'custom',
      id: `2026-03-01T12:00:00.000Z#${DIGEST}`,
      content: {
        textType: 'client-markdown',
        title:
          ':warning: archscan: team/my-api:1.4.0 failed and regressed (1 error)',
        description:
          'linux/arm/v7 was in the previous scan and is gone\n' +
          '`linux/arm64` /usr/local/bin/app is linux/amd64, expected linux/arm64 (entrypoint)',
        nextSteps: [
          expect.stringMatching(/^binary-arch-mismatch: /),
          'See the full report: https://h.example/s/1',
        ],
        keywords: ['team/my-api', 'binary-arch-mismatch'],
      },
      metadata: {
        threadId: `${REGISTRY}/team/my-api`,
        summary: 'archscan: team/my-api:1.4.0 failed and regressed (1 error)',
        eventType: 'ScanRegressed',
        additionalContext: { digest: DIGEST },
      },
    });
    expect(output.join('')).toContain('"chatMessagesSent"');
  });

  it.each([
    ['a clean pass', makeRecord()],
    [
      'warnings below NOTIFY_SEVERITY',
      makeRecord({ findings: [binaryFinding({ severity: 'warning' })] }),
    ],
  ])('publishes nothing for %s', async (_name, record) => {
    // Prepare
    const event = await eventFor(record);

    // Act
    await handler()(event, lambdaContext('chat-notifier'));

    // Assess
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
    expect(output.join('')).toContain('"chatMessagesSkipped"');
  });

  it('fails on a malformed scan attribute', async () => {
    // Prepare
    const event = await eventFor(makeRecord({ findings: [binaryFinding()] }));
    const attributes = event.Records[0]?.Sns.MessageAttributes;
    if (attributes) attributes.scan = { Type: 'String', Value: '{"v":99}' };

    // Act
    const error = await handler()(event, lambdaContext('chat-notifier')).catch(
      (e: unknown) => e
    );

    // Assess
    expect(error).toMatchObject({ code: 'format' });
    expect(sns).not.toHaveReceivedCommand(PublishCommand);
  });

  it('surfaces an SNS refusal as a NotifyError', async () => {
    // Prepare
    const event = await eventFor(makeRecord({ findings: [binaryFinding()] }));
    sns.on(PublishCommand).rejects(
      Object.assign(new Error('denied'), {
        name: 'AuthorizationErrorException',
        $fault: 'client',
      })
    );

    // Act
    const error = await handler()(event, lambdaContext('chat-notifier')).catch(
      (e: unknown) => e
    );

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({
      retryable: false,
      diagnostics: ['AuthorizationErrorException'],
    });
  });
});
