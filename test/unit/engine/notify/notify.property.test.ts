import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Finding } from '../../../../lib/engine/findings/report.js';
import {
  buildMessageAttributes,
  publishSize,
  SNS_MAX_PUBLISH_BYTES,
} from '../../../../lib/engine/notify/attributes.js';
import { buildChatNotification } from '../../../../lib/engine/notify/chat-notification.js';
import {
  formatEmail,
  formatSubject,
  headlineOf,
} from '../../../../lib/engine/notify/email-text.js';
import {
  buildScanSummary,
  byteLength,
  parseScanSummary,
  SCAN_SUMMARY_MAX_BYTES,
} from '../../../../lib/engine/notify/scan-summary.js';
import {
  buildSlackMessage,
  SLACK_LIMITS,
  type SlackText,
} from '../../../../lib/engine/notify/slack-blocks.js';
import { makeRecord } from '../../../support/notify-records.js';

// User text that tries hard: markup characters, newlines, non-ASCII, long runs.
const hostile = fc.oneof(
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'grapheme', maxLength: 60 }),
  fc.constantFrom('<!channel>', '&amp;', '<https://evil|click>', 'a\nb', '😀é'),
  fc.string({
    unit: fc.constantFrom('<', '>', '&', 'x', '|', '`'),
    maxLength: 400,
  })
);

const finding: fc.Arbitrary<Finding> = fc
  .record({
    kind: fc.constantFrom(
      'missing-platform',
      'config-mismatch',
      'binary-arch-mismatch',
      'foreign-os-binary',
      'float-abi-mismatch',
      'libc-mismatch',
      'isa-level-mismatch'
    ),
    severity: fc.constantFrom('error', 'warning'),
    platform: hostile,
    path: fc.option(
      hostile.map((p) => `/${p}`),
      { nil: undefined }
    ),
    expected: hostile,
    actual: hostile,
    entrypoint: fc.boolean(),
    message: hostile,
  })
  .map((f) =>
    f.path === undefined ? { ...f, path: undefined } : f
  ) as fc.Arbitrary<Finding>;

const record = fc
  .record({
    repository: hostile.filter((r) => r.length > 0),
    tag: fc.option(
      hostile.filter((t) => t.length > 0),
      { nil: null }
    ),
    findings: fc.array(finding, { maxLength: 120 }),
    status: fc.constantFrom('pass', 'fail', 'error'),
    lost: fc.array(hostile, { maxLength: 20 }),
  })
  .map((r) =>
    makeRecord({
      repository: r.repository,
      tag: r.tag,
      findings: r.findings,
      status: r.status as 'pass' | 'fail' | 'error',
      ...(r.status === 'error'
        ? { error: { code: 'internal', message: r.repository } }
        : {}),
      ...(r.lost.length
        ? {
            regression: {
              lostPlatforms: r.lost,
              newFindings: [],
              previousScanId: 'p',
            },
          }
        : {}),
    })
  );

const historyUrl = fc.option(fc.oneof(fc.webUrl(), hostile), {
  nil: undefined,
});

/** mrkdwn text with our own `<url|full report>` links removed. */
function withoutOwnLinks(text: string): string {
  return text.replace(/<https?:\/\/[^\s<>|]+\|full report>/g, '');
}

function mrkdwnTexts(
  message: ReturnType<typeof buildSlackMessage>
): SlackText[] {
  return message.blocks.flatMap((block) => {
    if ('fields' in block) return block.fields;
    if ('elements' in block) return block.elements;
    return block.type === 'header' ? [] : [block.text];
  });
}

describe('notification formats (properties)', () => {
  it('Slack payloads respect Block Kit limits and escape user text', () => {
    fc.assert(
      fc.property(
        record,
        historyUrl,
        fc.integer({ min: 1, max: 40 }),
        (rec, url, max) => {
          const summary = buildScanSummary({
            record: rec,
            ...(url ? { historyUrl: url } : {}),
          });
          const message = buildSlackMessage(summary, { maxFindings: max });

          expect(message.blocks.length).toBeLessThanOrEqual(
            SLACK_LIMITS.blocks
          );
          let total = 0;
          for (const block of message.blocks) {
            if (block.type === 'header') {
              expect(block.text.text.length).toBeLessThanOrEqual(
                SLACK_LIMITS.headerText
              );
            } else if ('fields' in block) {
              expect(block.fields.length).toBeLessThanOrEqual(
                SLACK_LIMITS.fields
              );
              for (const field of block.fields) {
                expect(field.text.length).toBeLessThanOrEqual(
                  SLACK_LIMITS.fieldText
                );
              }
            } else if ('text' in block) {
              expect(block.text.text.length).toBeLessThanOrEqual(
                SLACK_LIMITS.sectionText
              );
              total += block.text.text.length;
            }
          }
          expect(total).toBeLessThan(13_000);
          for (const text of [
            ...mrkdwnTexts(message).map((t) => t.text),
            message.text,
          ]) {
            const plain = withoutOwnLinks(text);
            expect(plain).not.toMatch(/[<>]/);
            expect(plain).not.toMatch(/&(?!amp;|lt;|gt;)/);
          }
        }
      ),
      { numRuns: 150 }
    );
  });

  it('subjects are ASCII, one line, under 100 characters and start with a letter', () => {
    fc.assert(
      fc.property(record, (rec) => {
        const subject = formatSubject(headlineOf(rec));
        expect(subject.length).toBeLessThan(100);
        expect(subject).toMatch(/^[A-Za-z][\x20-\x7e]*$/);
      }),
      { numRuns: 200 }
    );
  });

  it('the scan summary fits its cap and reads back; the publish fits SNS', () => {
    fc.assert(
      fc.property(record, historyUrl, (rec, url) => {
        const input = { record: rec, ...(url ? { historyUrl: url } : {}) };
        const summary = buildScanSummary(input);
        const json = JSON.stringify(summary);
        expect(byteLength(json)).toBeLessThanOrEqual(SCAN_SUMMARY_MAX_BYTES);
        expect(parseScanSummary(json)).toEqual({ ok: true, summary });
        expect(summary.findings.length + summary.omittedFindings).toBe(
          rec.report.findings.length
        );

        const { subject, body } = formatEmail(input);
        const size = publishSize(
          body,
          buildMessageAttributes(rec, json),
          subject
        );
        expect(size).toBeLessThanOrEqual(SNS_MAX_PUBLISH_BYTES);

        const chat = buildChatNotification(summary);
        if (chat)
          expect(chat.content.description.length).toBeLessThanOrEqual(1_500);
      }),
      { numRuns: 100 }
    );
  });
});
