/**
 * The contract every `ScanStore` keeps, as one shared suite (in the manner
 * of go-containerregistry's `validate` package): round trips with the full
 * report, first write of a scan id wins, newest-first lists paged by
 * cursor with nothing lost or repeated, half-open time windows, failures
 * across repositories and days, the previous scan of a tag, and refusal of
 * bad cursors and times. Run it from a test file with a factory that makes
 * an empty store reading the given clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import { ScannerError } from '../../lib/engine/errors.js';
import type { ScanSummary } from '../../lib/engine/history/scan-record.js';
import type { Clock } from '../../lib/ports/clock.js';
import type {
  ListOptions,
  Page,
  ScanStore,
} from '../../lib/ports/scan-store.js';
import { digestOf, makeRecord, TestClock } from './scan-records.js';

/** Makes an empty store that reads `clock`. */
export type StoreFactory = (clock: Clock) => Promise<ScanStore>;

const NOW = '2026-11-25T12:00:00.000Z';

/** `n` minutes before NOW, canonical. */
const minutesAgo = (n: number) =>
  new Date(Date.parse(NOW) - n * 60_000).toISOString();

async function drain(
  list: (options: ListOptions) => Promise<Page<ScanSummary>>,
  options: ListOptions
): Promise<{ pages: number[]; items: ScanSummary[] }> {
  const pages: number[] = [];
  const items: ScanSummary[] = [];
  let cursor: string | undefined;
  do {
    const page = await list({ ...options, ...(cursor ? { cursor } : {}) });
    pages.push(page.items.length);
    items.push(...page.items);
    cursor = page.cursor;
  } while (cursor && pages.length < 50);
  return { pages, items };
}

/** Registers the contract suite for the store `factory` makes. */
export function scanStoreContract(name: string, factory: StoreFactory): void {
  describe(`${name} keeps the ScanStore contract`, () => {
    let clock: TestClock;
    let store: ScanStore;

    beforeEach(async () => {
      clock = new TestClock(new Date(NOW));
      store = await factory(clock);
    });

    it('returns a stored scan with its full report', async () => {
      // Prepare
      const record = makeRecord({
        scannedAt: minutesAgo(5),
        tag: '1.0',
        status: 'fail',
      });
      // Act
      await store.put(record);
      const got = await store.get(
        record.registry,
        record.repository,
        record.scanId
      );
      // Assess
      expect(got).toEqual(record);
      expect(
        await store.get(record.registry, 'team/other', record.scanId)
      ).toBe(undefined);
    });

    it('keeps the first of two writes of the same scan id', async () => {
      const first = makeRecord({ scannedAt: minutesAgo(5) });
      const second = { ...first, reference: 'changed' };
      await Promise.all([store.put(first), store.put(first)]);
      await store.put(second);
      const page = await store.listByRepository(
        first.registry,
        first.repository
      );
      expect(page.items.map((s) => s.reference)).toEqual([first.reference]);
    });

    it('refuses a scan whose time is not canonical', async () => {
      const record = makeRecord({ scannedAt: '2026-11-25T12:00:00Z' });
      await expect(store.put(record)).rejects.toMatchObject({ code: 'format' });
    });

    it('lists 60 scans of a repository newest first, 25 a page, none lost or repeated', async () => {
      // Prepare
      const records = Array.from({ length: 60 }, (_, i) =>
        makeRecord({ scannedAt: minutesAgo(i + 1), digest: digestOf(i) })
      );
      for (const record of records) await store.put(record);
      await store.put(
        makeRecord({ repository: 'team/other', scannedAt: minutesAgo(1) })
      );
      // Act
      const { pages, items } = await drain(
        (o) => store.listByRepository('registry.example.com', 'team/app', o),
        { limit: 25 }
      );
      // Assess
      expect(pages).toEqual([25, 25, 10]);
      expect(items.map((s) => s.scanId)).toEqual(records.map((r) => r.scanId));
      expect(items[0]).not.toHaveProperty('report');
    });

    it('pages by 25 by default and by at most 100', async () => {
      for (let i = 0; i < 105; i++) {
        await store.put(
          makeRecord({ scannedAt: minutesAgo(i + 1), digest: digestOf(i) })
        );
      }
      const list = (o: ListOptions) =>
        store.listByRepository('registry.example.com', 'team/app', o);
      expect((await list({})).items).toHaveLength(25);
      const big = await list({ limit: 1000 });
      expect(big.items).toHaveLength(100);
      const rest = await list({ limit: 1000, cursor: big.cursor });
      expect(rest.items).toHaveLength(5);
      expect(rest.cursor).toBeUndefined();
      await expect(list({ limit: 0 })).rejects.toMatchObject({
        code: 'config',
      });
    });

    it('filters a repository list by time window, tag and status', async () => {
      // Prepare: one scan an hour, alternating tags and verdicts.
      for (let i = 0; i < 10; i++) {
        await store.put(
          makeRecord({
            scannedAt: minutesAgo(60 * i),
            digest: digestOf(i),
            tag: i % 2 ? 'odd' : 'even',
            status: i % 3 ? 'pass' : 'fail',
          })
        );
      }
      const list = (o: ListOptions) =>
        drain(
          (p) => store.listByRepository('registry.example.com', 'team/app', p),
          { limit: 2, ...o }
        );
      // Act
      const window = await list({
        since: minutesAgo(240),
        until: minutesAgo(60),
      });
      const odd = await list({ tag: 'odd' });
      const failed = await list({ status: 'fail' });
      const empty = await list({
        tag: 'odd',
        since: minutesAgo(60),
        until: minutesAgo(60),
      });
      const oddInWindow = await list({
        tag: 'odd',
        since: minutesAgo(300),
        until: minutesAgo(60),
      });
      // Assess: since inclusive, until exclusive.
      expect(window.items.map((s) => s.scannedAt)).toEqual(
        [2, 3, 4].map((h) => minutesAgo(60 * h))
      );
      expect(odd.items.map((s) => s.tag)).toEqual(Array(5).fill('odd'));
      expect(failed.items.map((s) => s.scannedAt)).toEqual(
        [0, 3, 6, 9].map((h) => minutesAgo(60 * h))
      );
      expect(empty.items).toEqual([]);
      expect(oddInWindow.items.map((s) => s.scannedAt)).toEqual(
        [3, 5].map((h) => minutesAgo(60 * h))
      );
    });

    it('finds the newest scan of a digest', async () => {
      const digest = digestOf(7);
      await store.put(makeRecord({ scannedAt: minutesAgo(30), digest }));
      const newest = makeRecord({
        repository: 'mirror/app',
        scannedAt: minutesAgo(10),
        digest,
      });
      await store.put(newest);
      await store.put(
        makeRecord({ scannedAt: minutesAgo(1), digest: digestOf(8) })
      );
      expect(await store.latestByDigest(digest)).toEqual(newest);
      expect(await store.latestByDigest(digestOf(99))).toBeUndefined();
    });

    it('finds the previous scan of a repository and tag before a time', async () => {
      // Prepare
      const older = makeRecord({ scannedAt: minutesAgo(90), tag: '1.0' });
      const old = makeRecord({
        scannedAt: minutesAgo(60),
        tag: '1.0',
        digest: digestOf(2),
      });
      const latest = makeRecord({
        scannedAt: minutesAgo(30),
        tag: '1.0',
        digest: digestOf(3),
      });
      await store.put(older);
      await store.put(old);
      await store.put(latest);
      await store.put(makeRecord({ scannedAt: minutesAgo(45), tag: '2.0' }));
      const prev = (before?: string) =>
        store.previous('registry.example.com', 'team/app', '1.0', before);
      // Act and assess: before is exclusive, defaults to now.
      expect(await prev(minutesAgo(30))).toEqual(old);
      expect(await prev(minutesAgo(31))).toEqual(old);
      expect(await prev()).toEqual(latest);
      expect(await prev(minutesAgo(90))).toBeUndefined();
      clock.set(minutesAgo(95));
      expect(await prev()).toBeUndefined();
      await expect(prev('yesterday')).rejects.toMatchObject({ code: 'config' });
    });

    it('lists failures across repositories and days, newest first, page by page', async () => {
      // Prepare: a failure or error every 5 hours over 4 days, in 3 repositories, and passes between.
      const failures: string[] = [];
      for (let i = 0; i < 20; i++) {
        const record = makeRecord({
          repository: `team/app-${i % 3}`,
          scannedAt: minutesAgo(300 * i + 1),
          digest: digestOf(i),
          status: i % 4 === 3 ? 'error' : 'fail',
        });
        await store.put(record);
        failures.push(record.scanId);
        await store.put(
          makeRecord({
            scannedAt: minutesAgo(300 * i + 2),
            digest: digestOf(i),
          })
        );
      }
      // Act
      const all = await drain((o) => store.listFailures(o), { limit: 3 });
      const errors = await drain((o) => store.listFailures(o), {
        limit: 2,
        status: 'error',
      });
      const window = await drain((o) => store.listFailures(o), {
        limit: 4,
        since: minutesAgo(300 * 12 + 1),
        until: minutesAgo(300 * 4 + 1),
      });
      // Assess: since inclusive (scan 12), until exclusive (scan 4).
      expect(new Set(failures.map((id) => id.slice(0, 10))).size).toBe(5);
      expect(all.items.map((s) => s.scanId)).toEqual(failures);
      expect(Math.max(...all.pages)).toBe(3);
      expect(errors.items.map((s) => s.status)).toEqual(Array(5).fill('error'));
      expect(window.items.map((s) => s.scanId)).toEqual(failures.slice(5, 13));
    });

    it('lists failures of the last 7 days by default', async () => {
      const recent = makeRecord({
        scannedAt: minutesAgo(60 * 24 * 7 - 1),
        status: 'fail',
      });
      await store.put(recent);
      await store.put(
        makeRecord({ scannedAt: minutesAgo(60 * 24 * 7 + 1), status: 'fail' })
      );
      const page = await store.listFailures();
      expect(page.items.map((s) => s.scanId)).toEqual([recent.scanId]);
      expect(page.cursor).toBeUndefined();
    });

    it('refuses cursors it did not make and malformed times', async () => {
      await store.put(makeRecord({ scannedAt: minutesAgo(1) }));
      await store.put(makeRecord({ scannedAt: minutesAgo(2) }));
      const page = await store.listByRepository(
        'registry.example.com',
        'team/app',
        { limit: 1 }
      );
      const other = store.listByRepository(
        'registry.example.com',
        'team/other',
        {
          cursor: page.cursor,
        }
      );
      for (const attempt of [
        other,
        store.listByRepository('registry.example.com', 'team/app', {
          cursor: 'not-a-cursor',
        }),
        store.listFailures({ cursor: page.cursor }),
        store.listFailures({ since: 'last week' }),
        store.listFailures({ since: minutesAgo(1), until: minutesAgo(2) }),
      ]) {
        const error = await attempt.then(
          () => undefined,
          (e: unknown) => e
        );
        expect(error).toBeInstanceOf(ScannerError);
        expect(error).toMatchObject({ code: 'config' });
      }
    });
  });
}
