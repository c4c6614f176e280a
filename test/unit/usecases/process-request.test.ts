/**
 * The worker's decisions, end to end over in-memory ports: a multi-arch
 * push sequence gives one scan and no false missing platform, duplicates
 * scan once, the grace window delays and then sends, regressions are seen.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import type { ScanRequest } from '../../../lib/engine/history/scan-request.js';
import { parsePlatformList } from '../../../lib/engine/platform/platform.js';
import {
  type ProcessOptions,
  processScanRequest,
} from '../../../lib/usecases/process-request.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import { MemoryScanQueue } from '../../support/fakes/memory-scan-queue.js';
import { RecordingNotifier } from '../../support/fakes/recording-notifier.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { MemoryRegistry } from '../../support/memory-registry.js';
import { buildImage, type ImageSpec } from '../../support/oci-image.js';

const amd64 = { os: 'linux', architecture: 'amd64' };
const arm64 = { os: 'linux', architecture: 'arm64' };
const image = (platform: typeof amd64, binary: string): ImageSpec => ({
  platform,
  layers: [{ files: [{ path: 'app/server', content: fixture(binary) }] }],
});

let clock: TestClock;
let registry: MemoryRegistry;
let store: MemoryScanStore;
let queue: MemoryScanQueue;
let notifier: RecordingNotifier;
const options: ProcessOptions = {
  expectedPlatforms: parsePlatformList('linux/amd64,linux/arm64'),
  graceSeconds: 900,
  notifySeverity: 'error',
};

beforeEach(() => {
  clock = new TestClock();
  registry = new MemoryRegistry();
  store = new MemoryScanStore();
  queue = new MemoryScanQueue(clock);
  notifier = new RecordingNotifier();
});

const deps = () => ({
  registryFor: () => registry,
  store,
  clock,
  queue,
  notifier,
});
const push = (digest: string, tag?: string): ScanRequest => ({
  version: 1,
  source: 'ecr',
  registry: 'reg.example',
  repository: 'team/api',
  digest,
  ...(tag ? { tag } : {}),
  receivedAt: clock.now().toISOString(),
});

/** Pushes an image under `tag` the way buildx does; returns the index and child digests. */
async function publish(images: ImageSpec[], tag: string) {
  const built = await buildImage({ images, forceIndex: true });
  registry.add(built, tag);
  return { index: built.top.digest, children: built.manifests };
}

describe('processScanRequest', () => {
  it('turns a multi-arch push sequence into one scan of the index and no missing platform', async () => {
    // Prepare
    const { index, children } = await publish(
      [image(amd64, 'hello-amd64-static'), image(arm64, 'addon-arm64.so')],
      '1.0'
    );
    // Act: children pushed by digest first, then the tagged index, then a duplicate event
    const outcomes = [];
    for (const child of children)
      outcomes.push(await processScanRequest(push(child), deps(), options));
    outcomes.push(
      await processScanRequest(push(index, '1.0'), deps(), options)
    );
    outcomes.push(
      await processScanRequest(push(index, '1.0'), deps(), options)
    );
    // Assess
    expect(outcomes.map((o) => o.kind)).toEqual([
      'skipped',
      'skipped',
      'scanned',
      'duplicate',
    ]);
    const scans = await store.listByRepository('reg.example', 'team/api');
    expect(scans.items).toHaveLength(1);
    expect(scans.items[0]).toMatchObject({
      status: 'pass',
      digest: index,
      tag: '1.0',
    });
    expect(notifier.sent).toEqual([]);
  });

  it('notifies a wrong binary at once, once', async () => {
    const { index } = await publish(
      [image(amd64, 'hello-amd64-static'), image(arm64, 'hello-amd64-static')],
      '1.1'
    );
    const first = await processScanRequest(push(index, '1.1'), deps(), options);
    await processScanRequest(push(index, '1.1'), deps(), options);
    expect(first).toMatchObject({
      kind: 'scanned',
      notified: true,
      recheckQueued: false,
    });
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.record.counts.byKind).toEqual({
      'binary-arch-mismatch': 1,
    });
  });

  it('waits out the grace window, then stays quiet when the late platform arrived', async () => {
    // Prepare: amd64 only at first
    const early = await publish([image(amd64, 'hello-amd64-static')], '2.0');
    // Act
    const first = await processScanRequest(
      push(early.index, '2.0'),
      deps(),
      options
    );
    // Assess: recorded as fail, nobody told, a re-check queued for 15 minutes
    expect(first).toMatchObject({
      kind: 'scanned',
      notified: false,
      recheckQueued: true,
    });
    expect(queue.messages[0]?.delaySeconds).toBe(900);
    // Act: arm64 lands under the same tag, the window passes, the re-check runs
    await publish(
      [image(amd64, 'hello-amd64-static'), image(arm64, 'addon-arm64.so')],
      '2.0'
    );
    clock.advance(900);
    const [recheck] = queue.receive();
    const second = await processScanRequest(recheck!, deps(), options);
    // Assess
    expect(second).toMatchObject({ kind: 'scanned', notified: false });
    expect(second.kind === 'scanned' && second.record.status).toBe('pass');
    expect(notifier.sent).toEqual([]);
  });

  it('sends after the grace window when the platform is still missing, naming the regression', async () => {
    // Prepare: a previous release had both platforms
    const good = await publish(
      [image(amd64, 'hello-amd64-static'), image(arm64, 'addon-arm64.so')],
      '3.0'
    );
    await processScanRequest(push(good.index, '3.0'), deps(), options);
    clock.advance(3600);
    const bad = await publish([image(amd64, 'hello-amd64-static')], '3.0');
    // Act
    await processScanRequest(push(bad.index, '3.0'), deps(), options);
    expect(notifier.sent).toEqual([]);
    clock.advance(600);
    const deferred = await processScanRequest(
      queue.receive()[0] ?? queue.messages[0]!.request,
      deps(),
      options
    );
    expect(deferred).toEqual({ kind: 'deferred', delaySeconds: 300 });
    clock.advance(300);
    const final = await processScanRequest(
      queue.receive()[0]!,
      deps(),
      options
    );
    // Assess
    expect(final).toMatchObject({ kind: 'scanned', notified: true });
    expect(notifier.sent).toHaveLength(1);
    expect(notifier.sent[0]?.record.regression?.lostPlatforms).toEqual([
      'linux/arm64',
    ]);
  });

  it('records and notifies a scan that could not be done', async () => {
    const outcome = await processScanRequest(
      push(`sha256:${'0'.repeat(64)}`, 'gone'),
      deps(),
      options
    );
    expect(outcome).toMatchObject({ kind: 'scanned', notified: true });
    expect(outcome.kind === 'scanned' && outcome.record).toMatchObject({
      status: 'error',
      error: { code: 'not-found' },
    });
  });
});

describe('processScanRequest for a webhook that names a tag only', () => {
  it('resolves the tag at scan time and records the digest it scanned', async () => {
    // Prepare: Docker Hub and Quay payloads carry no digest
    const { index } = await publish(
      [image(amd64, 'hello-amd64'), image(arm64, 'hello-arm64')],
      'v3'
    );
    const { digest: _, ...tagOnly } = push(index, 'v3');
    // Act
    const outcome = await processScanRequest(
      { ...tagOnly, source: 'webhook' },
      deps(),
      options
    );
    // Assess
    expect(outcome.kind === 'scanned' && outcome.record).toMatchObject({
      tag: 'v3',
      digest: index,
    });
    expect((await store.latestByDigest(index))?.tag).toBe('v3');
  });
});

describe('processScanRequest while the process stops', () => {
  it('neither records nor notifies a scan cut short by the stop, and fails so the request stays queued', async () => {
    // Prepare
    const { index } = await publish(
      [image(amd64, 'hello-amd64'), image(arm64, 'hello-arm64')],
      'v1'
    );
    const stop = new AbortController();
    stop.abort();
    // Act
    const error = await processScanRequest(push(index, 'v1'), deps(), {
      ...options,
      scan: { signal: stop.signal },
      stopping: stop.signal,
    }).catch((e: unknown) => e);
    // Assess
    expect(error).toMatchObject({ code: 'aborted' });
    expect(await store.latestByDigest(index)).toBeUndefined();
    expect(notifier.sent).toEqual([]);
  });

  it('records an error scan when only the scan deadline fires', async () => {
    // Prepare
    const { index } = await publish([image(amd64, 'hello-amd64')], 'v2');
    const deadline = new AbortController();
    deadline.abort();
    // Act
    const outcome = await processScanRequest(push(index, 'v2'), deps(), {
      ...options,
      scan: { signal: deadline.signal },
    });
    // Assess
    expect(outcome.kind === 'scanned' && outcome.record.status).toBe('error');
  });
});

describe('processScanRequest after failures', () => {
  it('does not lose a notification when the first publish fails and the request is retried', async () => {
    // Prepare: a publish that fails once
    const { index } = await publish(
      [image(amd64, 'hello-amd64-static'), image(arm64, 'hello-amd64-static')],
      '4.0'
    );
    let failures = 1;
    const flaky = {
      notify: async (n: Parameters<RecordingNotifier['notify']>[0]) => {
        if (failures-- > 0) throw new Error('sns unavailable');
        await notifier.notify(n);
      },
    };
    const withFlaky = { ...deps(), notifier: flaky };
    // Act
    await expect(
      processScanRequest(push(index, '4.0'), withFlaky, options)
    ).rejects.toThrow('sns unavailable');
    const retry = await processScanRequest(
      push(index, '4.0'),
      withFlaky,
      options
    );
    // Assess
    expect(retry).toMatchObject({ kind: 'scanned', notified: true });
    expect(notifier.sent).toHaveLength(1);
  });

  it('measures a regression from the last judged scan, past an error scan in between', async () => {
    // Prepare: a good release, then a scan that could not be done
    const good = await publish(
      [image(amd64, 'hello-amd64-static'), image(arm64, 'addon-arm64.so')],
      'prod'
    );
    await processScanRequest(push(good.index, 'prod'), deps(), options);
    clock.advance(60);
    await processScanRequest(
      push(`sha256:${'e'.repeat(64)}`, 'prod'),
      deps(),
      options
    );
    clock.advance(60);
    const bad = await publish([image(amd64, 'hello-amd64-static')], 'prod');
    // Act
    const outcome = await processScanRequest(
      { ...push(bad.index, 'prod'), source: 'manual' },
      deps(),
      options
    );
    // Assess
    expect(
      outcome.kind === 'scanned' && outcome.record.regression?.lostPlatforms
    ).toEqual(['linux/arm64']);
  });
});
