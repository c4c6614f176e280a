/**
 * Runs `archscan serve` as a child process (through tsx, from the sources,
 * or from a built bundle) for end-to-end tests and benchmarks: written
 * config, readiness by `GET /healthz`, the log kept line by line, and stop
 * by signal (SIGTERM) or by SIGKILL.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { request } from 'undici';

export interface ServeProcess {
  readonly url: string;
  /** The serve process itself (node), e.g. to read `/proc/<pid>/status`. */
  readonly pid: number;
  /** Every line the process wrote to stdout or stderr so far. */
  readonly lines: string[];
  /** Resolves with the first line (so far or later) that matches. */
  waitForLine(pattern: RegExp, timeoutMs?: number): Promise<string>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL: no chance to clean up. */
  kill(): Promise<void>;
}

export interface StartServeOptions {
  /**
   * A built bundle (e.g. `dist/archscan.mjs`) to run instead of the sources
   * through tsx, so measurements leave out the transpiler.
   */
  readonly bundle?: string;
}

const ROOT = join(import.meta.dirname, '..', '..');

/** Writes `config` (YAML text) and starts serve on `port`. */
export async function startServe(
  dir: string,
  config: string,
  port: number,
  env: Record<string, string> = {},
  options: StartServeOptions = {}
): Promise<ServeProcess> {
  const file = join(dir, 'archscan.yaml');
  await writeFile(file, config);
  const entry = options.bundle
    ? [options.bundle]
    : ['--import', 'tsx', join(ROOT, 'bin', 'scan.ts')];
  const child = spawn(process.execPath, [...entry, 'serve', '--config', file], {
    // The repository root, where `tsx` resolves; paths in the config are absolute.
    cwd: ROOT,
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  const waiters: { pattern: RegExp; resolve: (line: string) => void }[] = [];
  const onData = (buffer: { partial: string }) => (chunk: Buffer) => {
    const text = buffer.partial + chunk.toString('utf8');
    const parts = text.split('\n');
    buffer.partial = parts.pop() ?? '';
    for (const line of parts) {
      lines.push(line);
      for (const waiter of [...waiters]) {
        if (waiter.pattern.test(line)) {
          waiters.splice(waiters.indexOf(waiter), 1);
          waiter.resolve(line);
        }
      }
    }
  };
  child.stdout?.on('data', onData({ partial: '' }));
  child.stderr?.on('data', onData({ partial: '' }));
  const exited = new Promise<number | null>((resolve) =>
    child.once('exit', (code) => resolve(code))
  );
  const url = `http://127.0.0.1:${port}`;
  await waitReady(url, child, lines);
  return {
    url,
    pid: child.pid as number,
    lines,
    waitForLine(pattern, timeoutMs = 60_000) {
      const seen = lines.find((line) => pattern.test(line));
      if (seen) return Promise.resolve(seen);
      return new Promise((resolve, reject) => {
        const timer = setTimeout(
          () =>
            reject(
              new Error(`no line matching ${pattern} in:\n${lines.join('\n')}`)
            ),
          timeoutMs
        );
        waiters.push({
          pattern,
          resolve: (line) => {
            clearTimeout(timer);
            resolve(line);
          },
        });
      });
    },
    async stop() {
      child.kill('SIGTERM');
      return exited;
    },
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

async function waitReady(
  url: string,
  child: ChildProcess,
  lines: string[]
): Promise<void> {
  const deadline = Date.now() + 60_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) {
      throw new Error(
        `archscan serve exited with ${child.exitCode}:\n${lines.join('\n')}`
      );
    }
    try {
      const response = await request(`${url}/healthz`);
      await response.body.text();
      if (response.statusCode === 200) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  child.kill('SIGKILL');
  throw new Error(`archscan serve did not become ready:\n${lines.join('\n')}`);
}
