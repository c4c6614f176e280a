import { describe, expect, it } from 'vitest';
import {
  asciiLine,
  formatEmail,
  formatSubject,
  headlineOf,
} from '../../../../lib/engine/notify/email-text.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  missingPlatform,
  REGISTRY,
} from '../../../support/notify-records.js';

const HISTORY = 'https://archscan.example.com/scans/abc';

describe('formatSubject', () => {
  it.each([
    [
      makeRecord({
        findings: [
          missingPlatform(),
          binaryFinding(),
          binaryFinding({ path: '/b' }),
        ],
      }),
      'archscan: team/my-api:1.4.0 failed (3 errors)',
    ],
    [makeRecord(), 'archscan: team/my-api:1.4.0 passed'],
    [
      makeRecord({
        status: 'error',
        error: { code: 'auth', message: 'denied' },
      }),
      'archscan: team/my-api:1.4.0 could not be scanned',
    ],
    [
      makeRecord({
        tag: null,
        findings: [binaryFinding({ severity: 'warning' })],
      }),
      'archscan: team/my-api@sha256:7f5b3c2a1d0e failed (1 warning)',
    ],
    [
      makeRecord({
        findings: [binaryFinding()],
        regression: {
          lostPlatforms: ['linux/arm64'],
          newFindings: [],
          previousScanId: 'p',
        },
      }),
      'archscan: team/my-api:1.4.0 failed and regressed (1 error)',
    ],
    [
      makeRecord({ repository: 'équipe/mon-api\nx' }),
      'archscan: ?quipe/mon-api x:1.4.0 passed',
    ],
  ])('%#: %s', (record, expected) => {
    expect(formatSubject(headlineOf(record))).toBe(expected);
  });

  it('shortens a long image name but keeps the outcome', () => {
    // Act
    const subject = formatSubject(
      headlineOf(
        makeRecord({
          repository: `${'a/'.repeat(80)}x`,
          findings: [binaryFinding()],
        })
      )
    );

    // Assess
    expect(subject.length).toBeLessThan(100);
    expect(subject).toMatch(/^archscan: a\/a\/.*\.\.\. failed \(1 error\)$/);
  });

  it('turns whitespace into spaces and other non-ASCII into ?', () => {
    expect(asciiLine(' a\tb\r\nc ✓✓ d ')).toBe('a b c ? d');
  });
});

describe('formatEmail', () => {
  it('names the image, digest, status, each finding by platform, advice and the link', () => {
    // Prepare
    const record = makeRecord({
      findings: [
        missingPlatform('linux/arm/v7'),
        binaryFinding(),
        binaryFinding({
          platform: 'linux/amd64',
          path: '/opt/lib.so',
          entrypoint: false,
          expected: 'linux/amd64',
          actual: 'linux/arm64',
          severity: 'warning',
        }),
      ],
    });

    // Act
    const { body } = formatEmail({ record, historyUrl: HISTORY });

    // Assess
    expect(body).toContain(
      'archscan found 2 errors, 1 warning in team/my-api:1.4.0.'
    );
    expect(body).toContain(`Image:    ${REGISTRY}/team/my-api:1.4.0`);
    expect(body).toContain(`Digest:   ${DIGEST}`);
    expect(body).toContain('Status:   fail');
    expect(body).toContain('Expected: linux/amd64, linux/arm64');
    expect(body).toContain(
      'linux/arm64:\n  [error] binary-arch-mismatch: /usr/local/bin/app is linux/amd64, expected linux/arm64 (entrypoint)\n      layer sha256:1111'
    );
    expect(body).toContain(
      'linux/arm/v7:\n  [error] missing-platform: linux/arm/v7 is not in the index\n\n'
    );
    expect(body).toContain(
      '  [warning] binary-arch-mismatch: /opt/lib.so is linux/arm64, expected linux/amd64\n'
    );
    expect(body).toContain(
      'What to do:\n  - missing-platform: build and push every expected platform'
    );
    expect(body).toContain('  - binary-arch-mismatch: rebuild the binary');
    expect(body.endsWith(`Full report: ${HISTORY}`)).toBe(true);
  });

  it('says what regressed', () => {
    // Prepare
    const record = makeRecord({
      findings: [binaryFinding()],
      regression: {
        lostPlatforms: ['linux/arm64'],
        newFindings: [
          {
            kind: 'binary-arch-mismatch',
            platform: 'linux/arm64',
            path: '/usr/local/bin/app',
          },
        ],
        previousScanId: '2026-02-01T00:00:00.000Z#sha256:old',
      },
    });

    // Act
    const { body } = formatEmail({ record });

    // Assess
    expect(body).toContain(
      'Worse than the previous scan (2026-02-01T00:00:00.000Z#sha256:old):\n' +
        '  - linux/arm64 was in the previous scan and is gone\n' +
        '  - new since the previous scan: binary-arch-mismatch in linux/arm64 /usr/local/bin/app'
    );
    expect(body).not.toContain('Full report');
  });

  it('lists at most 20 regression lines and counts the rest', () => {
    // Prepare
    const record = makeRecord({
      findings: [binaryFinding()],
      regression: {
        lostPlatforms: Array.from({ length: 25 }, (_, i) => `linux/p${i}`),
        newFindings: [],
        previousScanId: 'prev',
      },
    });

    // Act
    const { body } = formatEmail({ record });

    // Assess
    expect(body).toContain(
      '  - linux/p19 was in the previous scan and is gone\n  - … and 5 more changes'
    );
    expect(body).not.toContain('linux/p20');
  });

  it('explains a scan that could not finish', () => {
    // Act
    const { body } = formatEmail({
      record: makeRecord({
        status: 'error',
        digest: null,
        error: { code: 'auth', message: 'registry denied pull' },
      }),
    });

    // Assess
    expect(body).toContain('archscan could not scan team/my-api:1.4.0.');
    expect(body).toContain('Digest:   (not resolved)');
    expect(body).toContain('Error (auth): registry denied pull');
    expect(body).not.toContain('What to do');
  });

  it.each([
    [{ maxFindings: 2 }, 2, '… and 8 more findings (see the full report)'],
    [{ maxFindings: 9 }, 9, '… and 1 more finding (see the full report)'],
    [{ maxFindings: 10 }, 10, undefined],
  ])('caps the list at %j', (options, listed, more) => {
    // Prepare
    const findings = Array.from({ length: 10 }, (_, i) =>
      binaryFinding({ path: `/bin/f${i}` })
    );

    // Act
    const { body } = formatEmail({ record: makeRecord({ findings }) }, options);

    // Assess
    expect(body.match(/\[error\]/g)).toHaveLength(listed);
    if (more) expect(body).toContain(more);
    else expect(body).not.toContain('more finding');
  });

  it('keeps the body under maxBodyBytes however long the findings are', () => {
    // Prepare
    const findings = Array.from({ length: 300 }, (_, i) =>
      binaryFinding({
        path: `/${'é'.repeat(400)}/${i}`,
        message: 'm'.repeat(2000),
      })
    );

    // Act
    const { body } = formatEmail(
      { record: makeRecord({ findings }) },
      { maxBodyBytes: 20_000 }
    );

    // Assess
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(20_000);
    expect(body).toMatch(/… and \d+ more findings/);
    expect(body).toContain('What to do:');
  });

  it('cuts the body itself when even the header exceeds the cap', () => {
    // Act
    const { body } = formatEmail(
      {
        record: makeRecord({ findings: [binaryFinding()] }),
        historyUrl: `${HISTORY}/${'x'.repeat(3000)}`,
      },
      { maxBodyBytes: 1_000 }
    );

    // Assess
    expect(new TextEncoder().encode(body).length).toBeLessThanOrEqual(1_000);
    expect(body.endsWith('…')).toBe(true);
  });
});
