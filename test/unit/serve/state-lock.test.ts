import { spawnSync } from 'node:child_process';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/engine/errors.js';
import { acquireStateLock, LOCK_FILE } from '../../../lib/serve/state-lock.js';

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-lock-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** The pid of a process that has exited (and been reaped). */
function deadPid(): number {
  const child = spawnSync(process.execPath, ['-e', '0']);
  return child.pid as number;
}

describe('acquireStateLock', () => {
  it('writes this process pid and removes the lock on release', async () => {
    // Act
    const lock = await acquireStateLock(dir);
    const content = await readFile(join(dir, LOCK_FILE), 'utf8');
    await lock.release();
    await lock.release();
    // Assess
    expect(content).toBe(`${process.pid}\n`);
    expect(await readdir(dir)).toEqual([]);
  });

  it('refuses a lock held by a live process, naming its pid', async () => {
    // Prepare: the parent of this test process is alive.
    await writeFile(join(dir, LOCK_FILE), `${process.ppid}\n`);
    // Act
    const taken = acquireStateLock(dir);
    // Assess
    await expect(taken).rejects.toBeInstanceOf(ConfigError);
    await expect(taken).rejects.toThrow(`with pid ${process.ppid}`);
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe(
      `${process.ppid}\n`
    );
  });

  it('takes over a lock whose process is gone', async () => {
    // Prepare
    await writeFile(join(dir, LOCK_FILE), `${deadPid()}\n`);
    // Act
    const lock = await acquireStateLock(dir);
    // Assess
    expect(await readFile(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('leaves a stale lock to the live server already taking it over', async () => {
    // Prepare: a dead owner, and a live process holding the takeover guard
    await writeFile(join(dir, LOCK_FILE), `${deadPid()}\n`);
    await writeFile(join(dir, `${LOCK_FILE}.takeover`), `${process.ppid}\n`);
    // Act
    const taken = acquireStateLock(dir);
    // Assess
    await expect(taken).rejects.toThrow(
      `being taken over by archscan serve with pid ${process.ppid}`
    );
  });

  it('takes over a stale lock whose takeover guard a crash left behind', async () => {
    // Prepare
    await writeFile(join(dir, LOCK_FILE), `${deadPid()}\n`);
    await writeFile(join(dir, `${LOCK_FILE}.takeover`), `${deadPid()}\n`);
    // Act
    const lock = await acquireStateLock(dir);
    // Assess
    expect(await readFile(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
    expect(await readdir(dir)).toEqual([]);
  });

  it('takes over a lock left with its own pid by an earlier process', async () => {
    // Prepare: a container restarts its server as pid 1 every time.
    await writeFile(join(dir, LOCK_FILE), '1\n');
    // Act
    const lock = await acquireStateLock(dir, { pid: 1, isAlive: () => true });
    // Assess
    expect(await readFile(lock.path, 'utf8')).toBe('1\n');
    await lock.release();
  });

  it('takes over a lock that holds no pid', async () => {
    // Prepare
    await writeFile(join(dir, LOCK_FILE), '');
    // Act
    const lock = await acquireStateLock(dir, { isAlive: () => true });
    // Assess
    expect(await readFile(lock.path, 'utf8')).toBe(`${process.pid}\n`);
    await lock.release();
  });

  it('refuses a second lock of the same directory in this process', async () => {
    // Prepare
    const lock = await acquireStateLock(dir);
    // Act
    const again = acquireStateLock(join(dir, '.'));
    // Assess
    await expect(again).rejects.toThrow(/already in use by this process/);
    await lock.release();
    const after = await acquireStateLock(dir);
    await after.release();
  });

  it('leaves a lock that another owner took over', async () => {
    // Prepare
    const lock = await acquireStateLock(dir);
    await writeFile(lock.path, '424242\n');
    // Act
    await lock.release();
    // Assess
    expect(await readFile(join(dir, LOCK_FILE), 'utf8')).toBe('424242\n');
  });
});
