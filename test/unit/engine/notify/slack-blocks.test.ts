import { describe, expect, it } from 'vitest';
import { buildScanSummary } from '../../../../lib/engine/notify/scan-summary.js';
import {
  buildSlackMessage,
  escapeMrkdwn,
  SLACK_LIMITS,
  type SlackBlock,
} from '../../../../lib/engine/notify/slack-blocks.js';
import {
  binaryFinding,
  DIGEST,
  makeRecord,
  missingPlatform,
  REGISTRY,
} from '../../../support/notify-records.js';

const HISTORY = 'https://archscan.example.com/scans/abc';

/** The mrkdwn texts of the blocks (headers are plain text). */
function texts(blocks: SlackBlock[]): string[] {
  return blocks.flatMap((block) => {
    if (block.type === 'header') return [];
    if ('fields' in block) return block.fields.map((f) => f.text);
    if ('elements' in block) return block.elements.map((e) => e.text);
    return [block.text.text];
  });
}

describe('escapeMrkdwn', () => {
  it.each([
    ['a & b', 'a &amp; b'],
    ['<!here>', '&lt;!here&gt;'],
    ['&amp;', '&amp;amp;'],
    ['plain', 'plain'],
  ])('%s → %s', (input, expected) => {
    expect(escapeMrkdwn(input)).toBe(expected);
  });
});

describe('buildSlackMessage', () => {
  it('lays out header, image and digest, one line per finding, and the context link', () => {
    // Prepare
    const summary = buildScanSummary({
      record: makeRecord({
        findings: [
          missingPlatform('linux/arm/v7'),
          binaryFinding({ entrypoint: false }),
        ],
      }),
      historyUrl: HISTORY,
    });

    // Act
    const message = buildSlackMessage(summary, { maxFindings: 10 });

    // Assess
    expect(message).toEqual({
      text: 'archscan: team/my-api:1.4.0 failed (2 errors)',
      blocks: [
        {
          type: 'header',
          text: {
            type: 'plain_text',
            text: 'team/my-api:1.4.0 failed (2 errors)',
          },
        },
        {
          type: 'section',
          fields: [
            {
              type: 'mrkdwn',
              text: `*Image*\n\`${REGISTRY}/team/my-api:1.4.0\``,
            },
            { type: 'mrkdwn', text: `*Digest*\n\`${DIGEST}\`` },
            { type: 'mrkdwn', text: '*Missing*\nlinux/arm/v7' },
          ],
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*missing-platform* `linux/arm/v7` linux/arm/v7 is not in the index',
          },
        },
        {
          type: 'section',
          text: {
            type: 'mrkdwn',
            text: '*binary-arch-mismatch* `linux/arm64` /usr/local/bin/app is linux/amd64, expected linux/arm64',
          },
        },
        {
          type: 'context',
          elements: [
            {
              type: 'mrkdwn',
              text: `scanned 2026-03-01T12:00:00.000Z · scan \`2026-03-01T12:00:00.000Z#${DIGEST}\` · <${HISTORY}|full report>`,
            },
          ],
        },
      ],
    });
  });

  it('adds the regression, the scan error and a warning marker', () => {
    // Prepare
    const summary = buildScanSummary({
      record: makeRecord({
        status: 'error',
        digest: null,
        findings: [binaryFinding({ severity: 'warning', entrypoint: false })],
        error: { code: 'auth', message: 'denied <token>' },
        regression: {
          lostPlatforms: ['linux/arm64'],
          newFindings: Array.from({ length: 7 }, (_, i) => ({
            kind: 'binary-arch-mismatch' as const,
            platform: 'linux/amd64',
            path: `/b${i}`,
          })),
          previousScanId: 'prev',
        },
      }),
    });

    // Act
    const all = texts(
      buildSlackMessage(summary, { maxFindings: 10 }).blocks
    ).join('\n');

    // Assess
    expect(all).toContain('*Digest*\n_not resolved_');
    expect(all).toContain(
      '*Worse than the previous scan*\n• linux/arm64 was in the previous scan and is gone'
    );
    expect(all).toContain('• …and 2 more new findings');
    expect(all).toContain('*Scan error* `auth`: denied &lt;token&gt;');
    expect(all).toContain('expected linux/arm64 _(warning)_');
    expect(all).not.toContain('full report');
  });

  it.each([
    [3, 25, '…and 22 more findings'],
    [40, 60, '…and 20 more findings'],
    [40, 40, undefined],
  ])(
    'lists at most %i of %i findings then says how many more',
    (maxFindings, count, more) => {
      // Prepare
      const findings = Array.from({ length: count }, (_, i) =>
        binaryFinding({ path: `/bin/f${i}` })
      );
      const summary = buildScanSummary({ record: makeRecord({ findings }) });

      // Act
      const message = buildSlackMessage(summary, { maxFindings });

      // Assess
      const lines = texts(message.blocks).filter((t) =>
        t.startsWith('*binary-arch-mismatch*')
      );
      expect(lines.length).toBe(
        Math.min(maxFindings, count, SLACK_LIMITS.blocks - 4)
      );
      expect(message.blocks.length).toBeLessThanOrEqual(SLACK_LIMITS.blocks);
      if (more) expect(texts(message.blocks)).toContain(more);
      else expect(texts(message.blocks).join()).not.toContain('more finding');
    }
  );

  it('counts findings the summary already dropped in the "more" line', () => {
    // Prepare
    const findings = Array.from({ length: 200 }, (_, i) =>
      binaryFinding({ path: `/usr/lib/${'x'.repeat(200)}${i}` })
    );
    const summary = buildScanSummary({ record: makeRecord({ findings }) });

    // Act
    const all = texts(buildSlackMessage(summary, { maxFindings: 5 }).blocks);

    // Assess
    expect(summary.omittedFindings).toBeGreaterThan(0);
    expect(all).toContain('…and 195 more findings');
  });

  it('escapes user text and refuses links that are not http(s)', () => {
    // Prepare
    const summary = buildScanSummary({
      record: makeRecord({
        repository: 'team/<!channel>&x',
        findings: [binaryFinding({ path: '/a<b>&c' })],
      }),
      historyUrl: 'javascript:alert(1)',
    });

    // Act
    const message = buildSlackMessage(summary, { maxFindings: 10 });

    // Assess
    const all = texts(message.blocks).join('\n');
    expect(message.text).toBe(
      'archscan: team/&lt;!channel&gt;&amp;x:1.4.0 failed (1 error)'
    );
    expect(all).toContain('/a&lt;b&gt;&amp;c');
    expect(all).not.toContain('<!channel>');
    expect(all).not.toContain('javascript');
  });

  it('makes | and > in the history URL harmless inside the link', () => {
    // Act
    const message = buildSlackMessage(
      buildScanSummary({
        record: makeRecord(),
        historyUrl: 'https://h.example/s?a=1&b=|x>',
      }),
      { maxFindings: 1 }
    );

    // Assess
    expect(texts(message.blocks).at(-1)).toContain(
      '<https://h.example/s?a=1&amp;b=%7Cx&gt;|full report>'
    );
  });
});
