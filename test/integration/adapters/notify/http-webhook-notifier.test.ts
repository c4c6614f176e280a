import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import {
  buildWebhookPayload,
  HttpWebhookNotifier,
  redactOrigin,
} from '../../../../lib/adapters/notify/http-webhook-notifier.js';
import { NotifyError } from '../../../../lib/engine/errors.js';
import {
  hmacSha256Hex,
  safeEqual,
} from '../../../../lib/engine/webhooks/verify.js';
import { TestClock } from '../../../support/fakes/test-clock.js';
import {
  binaryFinding,
  makeRecord,
  missingPlatform,
} from '../../../support/notify-records.js';
import {
  type RecordedRequest,
  startWebhookServer,
  type WebhookServer,
} from '../../../support/webhook-server.js';

const SECRET = 'receiver-signing-secret';
const TOKEN_PATH = '/hooks/TOKEN0000SECRET';
const NOW = '2026-11-25T10:00:00.000Z';
const HISTORY_URL = 'https://archscan.example.com/scans/sha256:7f5b';

/** What a receiver does: HMAC the raw bytes and compare in constant time. */
function signatureVerifies(request: RecordedRequest, secret: string): boolean {
  const header = request.headers['x-archscan-signature-256'];
  if (typeof header !== 'string') return false;
  const raw = Buffer.from(request.body, 'utf8');
  return safeEqual(header, `sha256=${hmacSha256Hex(secret, raw)}`);
}

describe('HttpWebhookNotifier against a real HTTP server', () => {
  let server: WebhookServer;
  let slept: number[];
  // A non-ASCII path: the signature must cover the UTF-8 bytes as sent.
  const record = makeRecord({
    findings: [
      binaryFinding({ path: '/opt/ünïcode/app' }),
      missingPlatform('linux/arm/v7'),
    ],
  });

  beforeAll(async () => {
    server = await startWebhookServer();
  });

  afterAll(async () => {
    await server.close();
  });

  beforeEach(() => {
    server.requests.length = 0;
    slept = [];
  });

  const notifier = (secret?: string) =>
    new HttpWebhookNotifier({
      url: `${server.origin}${TOKEN_PATH}?k=1`,
      ...(secret ? { secret } : {}),
      clock: new TestClock(NOW),
      sleep: async (ms) => {
        slept.push(ms);
      },
    });

  it('posts the scan summary and findings, signed over the exact bytes', async () => {
    // Act
    await notifier(SECRET).notify({ record, historyUrl: HISTORY_URL });

    // Assess
    expect(server.requests).toHaveLength(1);
    const [request] = server.requests;
    if (!request) throw new Error('no request');
    expect(request.method).toBe('POST');
    expect(request.path).toBe(`${TOKEN_PATH}?k=1`);
    expect(request.headers['content-type']).toBe(
      'application/json; charset=utf-8'
    );
    expect(signatureVerifies(request, SECRET)).toBe(true);
    expect(signatureVerifies(request, `${SECRET}x`)).toBe(false);
    expect(request.headers['x-archscan-timestamp']).toBe(
      String(Date.parse(NOW) / 1_000)
    );
    const body = JSON.parse(request.body);
    const { report: _report, ...summary } = record;
    expect(body).toEqual({
      schemaVersion: 1,
      kind: 'archscan.scan',
      sentAt: NOW,
      ...JSON.parse(JSON.stringify(summary)),
      findings: JSON.parse(JSON.stringify(record.report.findings)),
      omittedFindings: 0,
      historyUrl: HISTORY_URL,
    });
    expect(body.findings[0].path).toBe('/opt/ünïcode/app');
  });

  it('sends no signature without a secret', async () => {
    // Act
    await notifier().notify({ record });

    // Assess
    const [request] = server.requests;
    expect(request?.headers['x-archscan-signature-256']).toBeUndefined();
    expect(request?.headers['x-archscan-timestamp']).toBeDefined();
    expect(JSON.parse(request?.body ?? '{}').historyUrl).toBeUndefined();
  });

  it('retries a 503 with the same signed bytes, then succeeds', async () => {
    // Prepare
    server.script({ status: 503, body: 'busy' });

    // Act
    await notifier(SECRET).notify({ record });

    // Assess
    expect(server.requests).toHaveLength(2);
    const [first, second] = server.requests;
    expect(second?.body).toBe(first?.body);
    expect(second?.headers['x-archscan-signature-256']).toBe(
      first?.headers['x-archscan-signature-256']
    );
    expect(second && signatureVerifies(second, SECRET)).toBe(true);
    expect(slept).toEqual([1_000]);
  });

  it('waits as long as Retry-After says on 429', async () => {
    // Prepare
    server.script({ status: 429, headers: { 'retry-after': '3' } });

    // Act
    await notifier().notify({ record });

    // Assess
    expect(server.requests).toHaveLength(2);
    expect(slept).toEqual([3_000]);
  });

  it('fails a 400 at once, without retrying or showing the URL path', async () => {
    // Prepare
    server.script({
      status: 400,
      body: `bad payload at ${server.origin}${TOKEN_PATH}?k=1`,
    });

    // Act
    const error = (await notifier(SECRET)
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(server.requests).toHaveLength(1);
    expect(slept).toEqual([]);
    expect(error).toBeInstanceOf(NotifyError);
    expect(error).toMatchObject({ status: 400, retryable: false });
    expect(error.message).toMatch(
      new RegExp(`^webhook ${server.origin}/… answered 400 bad payload at`)
    );
    expect(error.message).toContain('retrying will not help');
    expect(JSON.stringify({ ...error, message: error.message })).not.toContain(
      'SECRET'
    );
  });

  it('gives up after the last try with a retryable error', async () => {
    // Prepare
    server.script({ status: 502 }, { status: 502 });

    // Act
    const error = (await new HttpWebhookNotifier({
      url: `${server.origin}${TOKEN_PATH}`,
      attempts: 2,
      sleep: async () => undefined,
    })
      .notify({ record })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(server.requests).toHaveLength(2);
    expect(error).toMatchObject({ status: 502, retryable: true });
  });
});

describe('buildWebhookPayload', () => {
  it('keeps the most important findings and counts the rest', () => {
    // Prepare
    const record = makeRecord({
      findings: [
        binaryFinding({ severity: 'warning', entrypoint: false, path: '/a' }),
        binaryFinding({ entrypoint: false, path: '/b' }),
        binaryFinding({ entrypoint: true, path: '/c' }),
      ],
    });

    // Act
    const payload = buildWebhookPayload({ record }, new Date(NOW), 2);

    // Assess
    expect(payload.findings.map((f) => f.path)).toEqual(['/c', '/b']);
    expect(payload.omittedFindings).toBe(1);
    expect(payload.counts).toEqual(record.counts);
  });
});

describe('redactOrigin', () => {
  it.each([
    ['https://hooks.example.com/t/abc?k=1', 'https://hooks.example.com/…'],
    ['http://127.0.0.1:9000/x', 'http://127.0.0.1:9000/…'],
    ['not a url', '(invalid webhook url)'],
  ])('%s → %s', (input, expected) => {
    expect(redactOrigin(input)).toBe(expected);
  });
});
