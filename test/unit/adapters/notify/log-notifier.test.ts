import { describe, expect, it } from 'vitest';
import { LogNotifier } from '../../../../lib/adapters/notify/log-notifier.js';
import { NotifyError } from '../../../../lib/engine/errors.js';
import { buildScanSummary } from '../../../../lib/engine/notify/scan-summary.js';
import { TestClock } from '../../../support/fakes/test-clock.js';
import { binaryFinding, makeRecord } from '../../../support/notify-records.js';

const NOW = '2026-11-25T10:00:00.000Z';

describe('LogNotifier', () => {
  it('writes one JSON line per notification', async () => {
    // Prepare
    const lines: string[] = [];
    const log = new LogNotifier(
      { write: (text: string) => lines.push(text) },
      { clock: new TestClock(NOW) }
    );
    const record = makeRecord({
      findings: [binaryFinding({ message: 'first line\nsecond line' })],
    });
    const notification = { record, historyUrl: 'http://127.0.0.1:8080/x' };

    // Act
    await log.notify(notification);
    await log.notify({ record: makeRecord() });

    // Assess
    expect(lines).toHaveLength(2);
    for (const line of lines) {
      expect(line.endsWith('\n')).toBe(true);
      expect(line.slice(0, -1)).not.toContain('\n');
    }
    expect(JSON.parse(lines[0] ?? '')).toEqual({
      time: NOW,
      level: 'info',
      message: 'archscan: team/my-api:1.4.0 failed (1 error)',
      ...JSON.parse(JSON.stringify(buildScanSummary(notification))),
    });
    expect(JSON.parse(lines[1] ?? '').message).toBe(
      'archscan: team/my-api:1.4.0 passed'
    );
  });

  it('turns a failed write into a retryable NotifyError', async () => {
    // Prepare
    const log = new LogNotifier({
      write: () => {
        throw new Error('EPIPE: broken pipe');
      },
    });

    // Act
    const error = (await log
      .notify({ record: makeRecord() })
      .catch((e: unknown) => e)) as NotifyError;

    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(error.message).toBe(
      'could not write the notification log: EPIPE: broken pipe'
    );
    expect(error.retryable).toBe(true);
  });
});
