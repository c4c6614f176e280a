import 'aws-sdk-client-mock-vitest/extend';
import {
  AuthorizationErrorException,
  NotFoundException,
  PublishCommand,
  SNSClient,
  ThrottledException,
} from '@aws-sdk/client-sns';
import { mockClient } from 'aws-sdk-client-mock';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { SnsNotifier } from '../../../../lib/adapters/aws/sns-notifier.js';
import { NotifyError } from '../../../../lib/engine/errors.js';
import { parseScanSummary } from '../../../../lib/engine/notify/scan-summary.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  missingPlatform,
  REGISTRY,
} from '../../../support/notify-records.js';

const TOPIC = 'arn:aws:sns:eu-west-1:123456789012:archscan-findings';
const sns = mockClient(SNSClient);

function lastPublish() {
  const calls = sns.commandCalls(PublishCommand);
  return calls.at(-1)?.args[0].input;
}

describe('SnsNotifier', () => {
  beforeEach(() => {
    sns.reset();
    sns.on(PublishCommand).resolves({ MessageId: 'm-1' });
  });

  afterEach(() => {
    sns.reset();
  });

  it('publishes a plain-string message with subject, body and filter attributes', async () => {
    // Prepare
    const record = makeRecord({
      findings: [missingPlatform(), binaryFinding()],
    });
    const notifier = new SnsNotifier({
      client: new SNSClient({}),
      topicArn: TOPIC,
    });

    // Act
    await notifier.notify({ record, historyUrl: 'https://h.example/scans/1' });

    // Assess
    expect(sns).toHaveReceivedCommandTimes(PublishCommand, 1);
    expect(sns).toHaveReceivedCommandWith(PublishCommand, {
      TopicArn: TOPIC,
      Subject: 'archscan: team/my-api:1.4.0 failed (2 errors)',
      Message: expect.stringContaining(
        'archscan found 2 errors in team/my-api:1.4.0.'
      ),
      MessageAttributes: expect.objectContaining({
        repository: {
          DataType: 'String',
          StringValue: `${REGISTRY}/team/my-api`,
        },
        registry: { DataType: 'String', StringValue: REGISTRY },
        status: { DataType: 'String', StringValue: 'fail' },
        severity: { DataType: 'String', StringValue: 'error' },
        findingKinds: {
          DataType: 'String.Array',
          StringValue: '["missing-platform","binary-arch-mismatch"]',
        },
        regression: { DataType: 'String', StringValue: 'no' },
        scanId: {
          DataType: 'String',
          StringValue: `2026-03-01T12:00:00.000Z#${DIGEST}`,
        },
      }),
    });
    const input = lastPublish();
    expect(input).not.toHaveProperty('MessageStructure');
    expect(input?.Message).toContain('Full report: https://h.example/scans/1');
    const scan = parseScanSummary(
      input?.MessageAttributes?.scan?.StringValue ?? ''
    );
    expect(scan.ok && scan.summary.historyUrl).toBe(
      'https://h.example/scans/1'
    );
    expect(scan.ok && scan.summary.findings).toHaveLength(2);
  });

  it('asks the history URL builder when the notification has no link', async () => {
    // Prepare
    const notifier = new SnsNotifier({
      client: new SNSClient({}),
      topicArn: TOPIC,
      historyUrl: (record) =>
        `https://h.example/scans/${encodeURIComponent(record.scanId)}`,
    });

    // Act
    await notifier.notify({
      record: makeRecord({ findings: [binaryFinding()] }),
    });

    // Assess
    expect(lastPublish()?.Message).toContain(
      'Full report: https://h.example/scans/2026-03-01T12%3A00'
    );
  });

  it('shrinks the body so message and attributes stay under 256 KB', async () => {
    // Prepare: findings long enough that the default body cap alone would not do.
    const findings = Array.from({ length: 2000 }, (_, i) =>
      binaryFinding({
        path: `/${'x'.repeat(250)}/${i}`,
        message: 'm'.repeat(500),
      })
    );
    const notifier = new SnsNotifier({
      client: new SNSClient({}),
      topicArn: TOPIC,
      maxEmailFindings: 2000,
      maxEmailBytes: 300_000,
    });

    // Act
    await notifier.notify({ record: makeRecord({ findings }) });

    // Assess
    const input = lastPublish();
    const attributes = Object.entries(input?.MessageAttributes ?? {});
    const size =
      Buffer.byteLength(input?.Message ?? '') +
      attributes.reduce(
        (sum, [name, value]) =>
          sum +
          Buffer.byteLength(name) +
          Buffer.byteLength(value.DataType ?? '') +
          Buffer.byteLength(value.StringValue ?? ''),
        0
      );
    expect(size).toBeLessThanOrEqual(262_144);
    expect(Buffer.byteLength(input?.Message ?? '')).toBeGreaterThan(200_000);
    expect(input?.Message).toMatch(/… and \d+ more findings/);
  });

  it.each([
    [
      new NotFoundException({
        message: 'Topic does not exist',
        $metadata: { httpStatusCode: 404 },
      }),
      'could not publish to sns topic archscan-findings: NotFoundException (http 404)',
      false,
    ],
    [
      new AuthorizationErrorException({
        message: 'not authorized',
        $metadata: { httpStatusCode: 403 },
      }),
      'could not publish to sns topic archscan-findings: AuthorizationErrorException (http 403)',
      false,
    ],
    [
      new ThrottledException({
        message: 'slow down',
        $metadata: { httpStatusCode: 400 },
      }),
      'could not publish to sns topic archscan-findings: ThrottledException (http 400)',
      true,
    ],
    [
      Object.assign(new Error('socket hang up'), { name: 'Error' }),
      'could not publish to sns topic archscan-findings: Error',
      true,
    ],
  ])('maps %s to a NotifyError', async (error, message, retryable) => {
    // Prepare
    sns.on(PublishCommand).rejects(error);
    const notifier = new SnsNotifier({
      client: new SNSClient({}),
      topicArn: TOPIC,
    });

    // Act
    const failure = await notifier
      .notify({ record: makeRecord() })
      .catch((e: unknown) => e);

    // Assess
    expect(failure).toBeInstanceOf(NotifyError);
    expect(failure).toMatchObject({
      code: 'notify',
      message,
      retryable,
      cause: error,
    });
  });
});
