import { describe, expect, it } from 'vitest';
import {
  buildScanSummary,
  byteLength,
  isNews,
  parseScanSummary,
  SCAN_SUMMARY_MAX_BYTES,
} from '../../../../lib/engine/notify/scan-summary.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  missingPlatform,
  REGISTRY,
} from '../../../support/notify-records.js';

describe('buildScanSummary', () => {
  it('carries identity, verdict, counts, regression, findings and the link', () => {
    // Prepare
    const record = makeRecord({
      findings: [
        binaryFinding({ severity: 'warning', path: '/w', entrypoint: false }),
        missingPlatform(),
      ],
      regression: {
        lostPlatforms: ['linux/arm64'],
        newFindings: [{ kind: 'missing-platform', platform: 'linux/arm64' }],
        previousScanId: 'prev',
      },
    });

    // Act
    const summary = buildScanSummary({
      record,
      historyUrl: 'https://h.example/s/1',
    });

    // Assess
    expect(summary).toEqual({
      v: 1,
      scanId: `2026-03-01T12:00:00.000Z#${DIGEST}`,
      reference: `${REGISTRY}/team/my-api:1.4.0`,
      registry: REGISTRY,
      repository: 'team/my-api',
      tag: '1.4.0',
      digest: DIGEST,
      scannedAt: '2026-03-01T12:00:00.000Z',
      status: 'fail',
      severity: 'error',
      counts: {
        error: 1,
        warning: 1,
        byKind: { 'binary-arch-mismatch': 1, 'missing-platform': 1 },
      },
      regression: {
        lostPlatforms: ['linux/arm64'],
        newFindings: [{ kind: 'missing-platform', platform: 'linux/arm64' }],
        newFindingsTotal: 1,
        previousScanId: 'prev',
      },
      findings: [
        {
          kind: 'missing-platform',
          severity: 'error',
          platform: 'linux/arm64',
          expected: 'linux/arm64',
          actual: 'absent',
          entrypoint: false,
        },
        {
          kind: 'binary-arch-mismatch',
          severity: 'warning',
          platform: 'linux/arm64',
          path: '/w',
          expected: 'linux/arm64',
          actual: 'linux/amd64',
          entrypoint: false,
        },
      ],
      omittedFindings: 0,
      historyUrl: 'https://h.example/s/1',
    });
  });

  it.each([1_000, 2_000, SCAN_SUMMARY_MAX_BYTES])(
    'drops the findings that do not fit in %i bytes and counts them',
    (maxBytes) => {
      // Prepare
      const findings = Array.from({ length: 500 }, (_, i) =>
        binaryFinding({ path: `/usr/lib/${'x'.repeat(100)}/${i}` })
      );

      // Act
      const summary = buildScanSummary(
        { record: makeRecord({ findings }) },
        maxBytes
      );

      // Assess
      expect(byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(maxBytes);
      expect(summary.findings.length).toBeGreaterThan(0);
      expect(summary.findings.length + summary.omittedFindings).toBe(500);
    }
  );

  it('cuts long strings and long regression lists so the base always fits', () => {
    // Prepare
    const long = 'p'.repeat(5000);
    const record = makeRecord({
      repository: long,
      status: 'error',
      error: { code: 'internal', message: long },
      regression: {
        lostPlatforms: Array.from(
          { length: 100 },
          (_, i) => `linux/${long}${i}`
        ),
        newFindings: Array.from({ length: 100 }, () => ({
          kind: 'binary-arch-mismatch' as const,
          platform: long,
          path: long,
        })),
        previousScanId: long,
      },
    });

    // Act
    const summary = buildScanSummary({
      record,
      historyUrl: `https://h/${long}`,
    });

    // Assess
    expect(byteLength(JSON.stringify(summary))).toBeLessThanOrEqual(
      SCAN_SUMMARY_MAX_BYTES
    );
    expect(summary.regression?.newFindingsTotal).toBe(100);
    expect(summary.regression?.newFindings.length).toBeLessThanOrEqual(5);
    expect(summary.error?.message.endsWith('…')).toBe(true);
  });
});

describe('parseScanSummary', () => {
  it('reads back what buildScanSummary wrote', () => {
    // Prepare
    const summary = buildScanSummary({
      record: makeRecord({ findings: [binaryFinding()] }),
    });

    // Act
    const parsed = parseScanSummary(JSON.stringify(summary));

    // Assess
    expect(parsed).toEqual({ ok: true, summary });
  });

  it.each([
    ['not json', 'the scan attribute is not JSON'],
    ['{"v":2}', 'invalid scan summary: v: '],
    ['[]', 'invalid scan summary: (root): '],
  ])('rejects %s', (text, reason) => {
    // Act
    const parsed = parseScanSummary(text);

    // Assess
    expect(parsed.ok).toBe(false);
    expect(!parsed.ok && parsed.reason).toContain(reason);
  });
});

describe('isNews', () => {
  it.each([
    [{ status: 'error' as const }, 'error' as const, true],
    [
      {
        status: 'pass' as const,
        regression: {
          lostPlatforms: ['x'],
          newFindings: [],
          newFindingsTotal: 0,
          previousScanId: 'p',
        },
      },
      'error' as const,
      true,
    ],
    [
      { status: 'fail' as const, severity: 'error' as const },
      'error' as const,
      true,
    ],
    [
      { status: 'fail' as const, severity: 'warning' as const },
      'error' as const,
      false,
    ],
    [
      { status: 'fail' as const, severity: 'warning' as const },
      'warning' as const,
      true,
    ],
    [{ status: 'pass' as const }, 'warning' as const, false],
  ])('%j at %s → %s', (summary, min, expected) => {
    expect(isNews(summary, min)).toBe(expected);
  });
});
