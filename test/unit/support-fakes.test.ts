import { describe, expect, it } from 'vitest';
import { MemoryScanQueue } from '../support/fakes/memory-scan-queue.js';
import { RecordingNotifier } from '../support/fakes/recording-notifier.js';
import { TestClock } from '../support/fakes/test-clock.js';

const request = {
  version: 1 as const,
  source: 'ecr' as const,
  registry: 'r',
  repository: 'a',
  receivedAt: '2026-11-25T10:00:00.000Z',
};

describe('test fakes', () => {
  it('MemoryScanQueue delivers a delayed message only once its delay has passed', async () => {
    const clock = new TestClock();
    const queue = new MemoryScanQueue(clock);
    await queue.send(request, 60);
    expect(queue.receive()).toEqual([]);
    clock.advance(60);
    expect(queue.receive()).toEqual([request]);
    expect(queue.receive()).toEqual([]);
  });

  it('RecordingNotifier keeps notifications in order', async () => {
    const notifier = new RecordingNotifier();
    await notifier.notify({ record: { scanId: 'a' } as never });
    await notifier.notify({ record: { scanId: 'b' } as never });
    expect(notifier.sent.map((n) => n.record.scanId)).toEqual(['a', 'b']);
  });
});
