import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import {
  formatHistory,
  historyCommand,
} from '../../../lib/cli/history-command.js';
import type { CliIo } from '../../../lib/cli/io.js';
import { digestOf, makeRecord } from '../../support/scan-records.js';

function recordingIo() {
  const out = { stdout: '', stderr: '' };
  const io: CliIo = {
    stdout: { write: (text: string) => (out.stdout += text) },
    stderr: { write: (text: string) => (out.stderr += text) },
    env: {},
  };
  return { io, out };
}

let store: MemoryScanStore;

beforeEach(async () => {
  store = new MemoryScanStore({
    clock: { now: () => new Date('2026-11-25T12:00:00.000Z') },
  });
  await store.put(
    makeRecord({
      scannedAt: '2026-11-25T10:00:00.000Z',
      tag: '1.0',
      status: 'fail',
    })
  );
  await store.put(
    makeRecord({ scannedAt: '2026-11-25T11:00:00.000Z', digest: digestOf(2) })
  );
});

describe('archscan history', () => {
  it('prints a repository page as aligned lines and the cursor on stderr', async () => {
    // Act
    const { io, out } = recordingIo();
    const code = await historyCommand(
      store,
      {
        registry: 'registry.example.com',
        repository: 'team/app',
        limit: '1',
        format: 'table',
      },
      io
    );
    // Assess
    expect(code).toBe(0);
    expect(out.stdout).toBe(
      '2026-11-25T11:00:00.000Z  PASS  0E 0W  registry.example.com/team/app  sha256:000000000000\n'
    );
    expect(out.stderr).toMatch(/^more: --cursor \S+\n$/);
  });

  it('prints failures across repositories as JSON', async () => {
    const { io, out } = recordingIo();
    await historyCommand(store, { status: 'fail', format: 'json' }, io);
    const page = JSON.parse(out.stdout);
    expect(page.items.map((s: { tag: string }) => s.tag)).toEqual(['1.0']);
    expect(page.cursor).toBeUndefined();
  });

  it('prints the newest scan of a digest as a report, or says there is none', async () => {
    const found = recordingIo();
    const missing = recordingIo();
    const code = await historyCommand(
      store,
      { digest: digestOf(2), format: 'table' },
      found.io
    );
    const none = await historyCommand(
      store,
      { digest: digestOf(3), format: 'table' },
      missing.io
    );
    expect(code).toBe(0);
    expect(found.out.stdout).toMatch(
      /^PASS {2}registry\.example\.com\/team\/app/
    );
    expect(none).toBe(2);
    expect(missing.out.stderr).toContain(`no scan of ${digestOf(3)}`);
  });

  it('refuses a list without a repository or failure status', async () => {
    const { io } = recordingIo();
    await expect(
      historyCommand(store, { format: 'table' }, io)
    ).rejects.toMatchObject({ code: 'config' });
  });

  it('says so when a page is empty', () => {
    expect(formatHistory({ items: [] })).toBe('no scans\n');
  });
});
