import { describe, expect, it } from 'vitest';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import { EgressRefusedError, NotifyError } from '../../../lib/engine/errors.js';
import type { ScanRequest } from '../../../lib/engine/history/scan-request.js';
import { recordPoisonMessage } from '../../../lib/usecases/record-poison.js';
import { RecordingNotifier } from '../../support/fakes/recording-notifier.js';
import { TestClock } from '../../support/fakes/test-clock.js';

const request: ScanRequest = {
  version: 1,
  source: 'webhook',
  registry: 'evil.example.com',
  repository: 'team/app',
  tag: '1.0',
  receivedAt: '2026-11-25T10:00:00.000Z',
};

describe('recordPoisonMessage', () => {
  it('records an error scan naming the failure, and tells subscribers', async () => {
    // Prepare
    const clock = new TestClock();
    const store = new MemoryScanStore({ clock });
    const notifier = new RecordingNotifier();
    // Act
    const record = await recordPoisonMessage(
      JSON.stringify(request),
      1,
      { store, clock, notifier },
      new EgressRefusedError('evil.example.com is not on the allowlist')
    );
    // Assess
    expect(record).toMatchObject({
      status: 'error',
      registry: 'evil.example.com',
      repository: 'team/app',
      error: { code: 'forbidden' },
    });
    expect(notifier.sent.map((n) => n.record.scanId)).toEqual([record.scanId]);
    clock.advance(1);
    const failures = await store.listFailures({ status: 'error' });
    expect(failures.items.map((s) => s.scanId)).toEqual([record.scanId]);
  });

  it('stores nothing when the notification fails, so a retry does not record twice', async () => {
    // Prepare
    const clock = new TestClock();
    const store = new MemoryScanStore({ clock });
    const failing = {
      notify: async () => {
        throw new NotifyError('topic unreachable', { retryable: true });
      },
    };
    // Act
    const error = await recordPoisonMessage(JSON.stringify(request), 5, {
      store,
      clock,
      notifier: failing,
    }).catch((e: unknown) => e);
    // Assess
    expect(error).toBeInstanceOf(NotifyError);
    expect(store.size).toBe(0);
  });
});
