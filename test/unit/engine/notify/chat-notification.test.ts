import { describe, expect, it } from 'vitest';
import {
  buildChatNotification,
  chatEventType,
} from '../../../../lib/engine/notify/chat-notification.js';
import { buildScanSummary } from '../../../../lib/engine/notify/scan-summary.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  missingPlatform,
  REGISTRY,
} from '../../../support/notify-records.js';

const regression = {
  lostPlatforms: ['linux/arm64'],
  newFindings: [],
  previousScanId: 'prev',
};

describe('chatEventType', () => {
  it.each([
    [makeRecord({ findings: [binaryFinding()] }), 'ScanFailed'],
    [makeRecord({ findings: [binaryFinding()], regression }), 'ScanRegressed'],
    [makeRecord({ regression }), 'ScanRegressed'],
    [
      makeRecord({ status: 'error', error: { code: 'auth', message: 'x' } }),
      'ScanError',
    ],
    [makeRecord(), undefined],
  ])('%#: %s', (record, expected) => {
    expect(chatEventType(buildScanSummary({ record }))).toBe(expected);
  });
});

describe('buildChatNotification', () => {
  it('builds the custom notification document', () => {
    // Prepare
    const summary = buildScanSummary({
      record: makeRecord({
        findings: [
          missingPlatform(),
          binaryFinding({
            platform: 'linux/amd64',
            expected: 'linux/amd64',
            actual: 'linux/arm64',
          }),
        ],
      }),
      historyUrl: 'https://h.example/s/1',
    });

    // Act
    const doc = buildChatNotification(summary);

    // Assess
    expect(doc).toEqual({
      version: '1.0',
      source: 'custom',
      id: `2026-03-01T12:00:00.000Z#${DIGEST}`,
      content: {
        textType: 'client-markdown',
        title: ':warning: archscan: team/my-api:1.4.0 failed (2 errors)',
        description:
          '`linux/amd64` /usr/local/bin/app is linux/arm64, expected linux/amd64 (entrypoint)\n' +
          '`linux/arm64` linux/arm64 is not in the index',
        nextSteps: [
          expect.stringMatching(
            /^missing-platform: build and push every expected platform/
          ),
          expect.stringMatching(/^binary-arch-mismatch: rebuild the binary/),
          'See the full report: https://h.example/s/1',
        ],
        keywords: ['team/my-api', 'missing-platform', 'binary-arch-mismatch'],
      },
      metadata: {
        threadId: `${REGISTRY}/team/my-api`,
        summary: 'archscan: team/my-api:1.4.0 failed (2 errors)',
        eventType: 'ScanFailed',
        additionalContext: { digest: DIGEST },
      },
    });
  });

  it('describes errors and regressions and caps the lines', () => {
    // Prepare
    const summary = buildScanSummary({
      record: makeRecord({
        status: 'error',
        digest: null,
        error: { code: 'auth', message: 'pull denied' },
        findings: Array.from({ length: 8 }, (_, i) =>
          binaryFinding({ path: `/f${i}` })
        ),
        regression,
      }),
    });

    // Act
    const doc = buildChatNotification(summary);

    // Assess
    expect(doc?.content.title).toBe(
      ':x: archscan: team/my-api:1.4.0 could not be scanned'
    );
    expect(doc?.metadata.eventType).toBe('ScanError');
    expect(doc?.metadata.additionalContext.digest).toBe('unresolved');
    expect(doc?.content.description.split('\n')).toEqual([
      'Scan error `auth`: pull denied',
      'linux/arm64 was in the previous scan and is gone',
      ...[0, 1, 2, 3, 4].map(
        (i) =>
          `\`linux/arm64\` /f${i} is linux/amd64, expected linux/arm64 (entrypoint)`
      ),
      '…and 3 more findings',
    ]);
    expect(doc?.content.nextSteps).toContain(
      'Check that the image exists and archscan may pull it'
    );
  });

  it('has nothing to say about a clean pass', () => {
    expect(
      buildChatNotification(buildScanSummary({ record: makeRecord() }))
    ).toBeUndefined();
  });
});
