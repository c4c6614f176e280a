/**
 * One `archscan serve` per state directory. The embedded store's LevelDB
 * allows a single opener, and two workers draining one queue would lease
 * past each other's releases, so the second server must refuse to start
 * with a clear message instead of failing inside the store.
 *
 * The lock is a file, `serve.lock`, created atomically and holding the
 * owner's pid. A lock whose pid is not alive was left by a crash (kill -9,
 * power loss) and is taken over. A lock holding this process's own pid
 * was left by an earlier process that had the same pid (a container's
 * pid 1) and is taken over as well, unless this process holds it.
 */
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { ConfigError } from '../engine/errors.js';

/** The lock file's name inside the state directory. */
export const LOCK_FILE = 'serve.lock';

/** Options of {@link acquireStateLock}; tests replace the process probes. */
export interface StateLockOptions {
  /** @default process.pid */
  readonly pid?: number;
  /** @default a signal-0 probe (`process.kill(pid, 0)`) */
  readonly isAlive?: (pid: number) => boolean;
}

/** A held lock. */
export interface StateLock {
  /** The lock file. */
  readonly path: string;
  /** Deletes the lock file if it is still ours; safe to call twice. */
  release(): Promise<void>;
}

/** Lock files held by this process, so a second acquire here is refused too. */
const held = new Set<string>();

/**
 * Takes the lock of `dir` (created when missing).
 *
 * @example
 * const lock = await acquireStateLock(config.stateDir);
 * try { … } finally { await lock.release(); }
 * @throws ConfigError naming the pid of the live `archscan serve` that holds it.
 */
export async function acquireStateLock(
  dir: string,
  options: StateLockOptions = {}
): Promise<StateLock> {
  const pid = options.pid ?? process.pid;
  const isAlive = options.isAlive ?? processAlive;
  const path = join(resolve(dir), LOCK_FILE);
  if (held.has(path)) {
    throw new ConfigError(
      `state directory ${dir} is already in use by this process; stop the running server first`
    );
  }
  await makeDir(dir);
  // A few tries: each follows the removal of a stale lock or guard.
  for (let attempt = 0; attempt < 3; attempt++) {
    if (await createExclusive(path, pid)) {
      held.add(path);
      return lockOf(path, pid);
    }
    const owner = await readOwner(path);
    if (owner !== undefined && owner !== pid && isAlive(owner)) {
      throw new ConfigError(
        `state directory ${dir} is in use by archscan serve with pid ${owner}; stop that process or choose another stateDir (if no such server runs, delete ${path})`
      );
    }
    await clearStale(path, owner, { dir, pid, isAlive });
  }
  throw new ConfigError(
    `cannot take the lock ${path}: another process keeps creating it; check for a second archscan serve on ${dir}`
  );
}

/**
 * Removes a stale lock, under a guard file only one process can create:
 * two servers starting at once on a stale lock must not each remove the
 * lock the other has just taken. A guard left by a crash is removed too.
 *
 * @throws ConfigError when a live process is clearing the lock already.
 */
async function clearStale(
  path: string,
  staleOwner: number | undefined,
  context: { dir: string; pid: number; isAlive: (pid: number) => boolean }
): Promise<void> {
  const guard = `${path}.takeover`;
  if (!(await createExclusive(guard, context.pid))) {
    const guardOwner = await readOwner(guard);
    if (
      guardOwner !== undefined &&
      guardOwner !== context.pid &&
      context.isAlive(guardOwner)
    ) {
      throw new ConfigError(
        `state directory ${context.dir} is being taken over by archscan serve with pid ${guardOwner}; start again once it runs, or choose another stateDir`
      );
    }
    await rm(guard, { force: true });
    return;
  }
  try {
    // Still the stale lock? Another server may have replaced it meanwhile.
    if ((await readOwner(path)) === staleOwner) {
      await rm(path, { force: true });
    }
  } finally {
    await rm(guard, { force: true });
  }
}

function lockOf(path: string, pid: number): StateLock {
  let released = false;
  return {
    path,
    async release() {
      if (released) return;
      released = true;
      held.delete(path);
      // Never delete a lock that a later owner took over.
      if ((await readOwner(path)) === pid) await rm(path, { force: true });
    },
  };
}

/**
 * True when the lock was created by this call. The pid is written to a
 * private file first and then hard-linked into place (atomic, failing
 * with EEXIST), so a lock is never seen empty halfway through its writing.
 */
async function createExclusive(path: string, pid: number): Promise<boolean> {
  const draft = `${path}.${pid}.${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(draft, `${pid}\n`, { flag: 'wx' });
    await link(draft, path);
    return true;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'EEXIST') return false;
    throw new ConfigError(
      `cannot create the lock ${path}: ${errorCode(error)}; choose a writable stateDir`,
      { cause: error }
    );
  } finally {
    await rm(draft, { force: true });
  }
}

/** The pid in the lock; undefined when the lock is gone or holds no pid. */
async function readOwner(path: string): Promise<number | undefined> {
  let text: string;
  try {
    text = (await readFile(path, 'utf8')).trim();
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new ConfigError(
      `cannot read the lock ${path}: ${errorCode(error)}; check its permissions`,
      { cause: error }
    );
  }
  return /^\d+$/.test(text) ? Number(text) : undefined;
}

function errorCode(error: unknown): string {
  return (error as NodeJS.ErrnoException).code ?? (error as Error).message;
}

async function makeDir(dir: string): Promise<void> {
  try {
    await mkdir(dir, { recursive: true });
  } catch (error) {
    throw new ConfigError(
      `cannot create the state directory ${dir}: ${errorCode(error)}; choose a writable stateDir`,
      { cause: error }
    );
  }
}

/** Signal 0 checks that a process exists; EPERM means it exists under another user. */
function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
