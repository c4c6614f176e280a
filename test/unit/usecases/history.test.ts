import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import {
  latestScanOfDigest,
  listRepositoryScans,
  listScans,
} from '../../../lib/usecases/history.js';
import { digestOf, makeRecord, TestClock } from '../../support/scan-records.js';

const NOW = '2026-11-25T12:00:00.000Z';
let store: MemoryScanStore;

beforeEach(async () => {
  store = new MemoryScanStore({ clock: new TestClock(new Date(NOW)) });
  await store.put(
    makeRecord({ scannedAt: '2026-11-25T10:00:00.000Z', status: 'fail' })
  );
  await store.put(
    makeRecord({
      repository: 'org/other',
      scannedAt: '2026-11-25T11:00:00.000Z',
      status: 'error',
      digest: digestOf(2),
    })
  );
  await store.put(
    makeRecord({
      scannedAt: '2026-11-25T11:30:00.000Z',
      tag: '2.0',
      digest: digestOf(3),
    })
  );
});

describe('listScans', () => {
  it('lists one repository with string parameters converted', async () => {
    const page = await listScans(store, {
      registry: 'registry.example.com',
      repository: 'team/app',
      limit: '1',
      tag: undefined,
    });
    expect(page.items.map((s) => s.scannedAt)).toEqual([
      '2026-11-25T11:30:00.000Z',
    ]);
    expect(page.cursor).toBeDefined();
  });

  it('lists failures across repositories with status and no repository', async () => {
    const failed = await listScans(store, { status: 'fail' });
    const errors = await listScans(store, { status: 'error' });
    expect(failed.items.map((s) => s.repository)).toEqual(['team/app']);
    expect(errors.items.map((s) => s.repository)).toEqual(['org/other']);
  });

  it.each([
    [{}, /repository is required/],
    [{ status: 'pass' }, /repository is required/],
    [{ status: 'fail', tag: 'x' }, /need a repository/],
    [{ repository: 'team/app' }, /registry is required/],
    [{ status: 'fail', limit: 'ten' }, /limit/],
    [{ status: 'broken' }, /status/],
    [{ status: 'fail', order: 'asc' }, /unknown parameter order/],
  ])('refuses %o', async (params, message) => {
    await expect(listScans(store, params)).rejects.toThrow(message);
  });
});

describe('listRepositoryScans', () => {
  it('lists a repository named in the path', async () => {
    const page = await listRepositoryScans(store, 'team/app', {
      registry: 'registry.example.com',
      tag: '2.0',
    });
    expect(page.items.map((s) => s.tag)).toEqual(['2.0']);
  });

  it('refuses a repository parameter besides the path', async () => {
    await expect(
      listRepositoryScans(store, 'team/app', {
        registry: 'registry.example.com',
        repository: 'x',
      })
    ).rejects.toMatchObject({ code: 'config' });
  });
});

describe('latestScanOfDigest', () => {
  it('finds a digest and refuses malformed ones', async () => {
    expect((await latestScanOfDigest(store, digestOf(3)))?.tag).toBe('2.0');
    expect(await latestScanOfDigest(store, digestOf(9))).toBeUndefined();
    await expect(latestScanOfDigest(store, 'sha256:xyz')).rejects.toMatchObject(
      { code: 'config' }
    );
  });
});
