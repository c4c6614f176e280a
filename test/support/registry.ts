/**
 * Runs a real CNCF Distribution registry (Debian's `docker-registry`) on
 * 127.0.0.1 for integration tests and the benchmark: a fresh config and
 * storage directory per instance, a free port, torn down by `stop()`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface RegistryProcess {
  /** `127.0.0.1:PORT` */
  host: string;
  /** `http://127.0.0.1:PORT` */
  baseUrl: string;
  dir: string;
  stop(): Promise<void>;
}

export interface StartRegistryOptions {
  /** Extra top-level YAML appended to the config (e.g. an `auth:` section). */
  extraConfig?: string;
  /** Keep blobs in memory instead of a temp directory. */
  inMemory?: boolean;
  /** Use this storage directory (kept on stop), e.g. for a reusable bench registry. */
  storageDir?: string;
}

export const REGISTRY_BINARY =
  process.env.ARCHSCAN_REGISTRY_BIN ?? 'docker-registry';

/** Finds a free TCP port on loopback. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** Starts a registry and waits until `GET /v2/` answers. */
export async function startRegistry(
  options: StartRegistryOptions = {}
): Promise<RegistryProcess> {
  const dir = await mkdtemp(join(tmpdir(), 'archscan-registry-'));
  const port = await freePort();
  const storage = options.inMemory
    ? 'storage:\n  inmemory: {}\n  delete:\n    enabled: true\n'
    : `storage:\n  filesystem:\n    rootdirectory: ${options.storageDir ?? join(dir, 'data')}\n  delete:\n    enabled: true\n`;
  const config = [
    'version: 0.1',
    'log:\n  level: error\n  accesslog:\n    disabled: true',
    storage,
    `http:\n  addr: 127.0.0.1:${port}\n  secret: archscan-test-secret`,
    options.extraConfig ?? '',
  ].join('\n');
  await writeFile(join(dir, 'config.yml'), config);
  const child = spawn(REGISTRY_BINARY, ['serve', join(dir, 'config.yml')], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  let stderr = '';
  child.stderr?.on('data', (chunk: Buffer) => {
    stderr = (stderr + chunk.toString()).slice(-4000);
  });
  const host = `127.0.0.1:${port}`;
  const baseUrl = `http://${host}`;
  try {
    await waitReady(baseUrl, child, () => stderr);
  } catch (error) {
    child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
    throw error;
  }
  return {
    host,
    baseUrl,
    dir,
    async stop() {
      await stopChild(child);
      await rm(dir, { recursive: true, force: true });
    },
  };
}

async function waitReady(
  baseUrl: string,
  child: ChildProcess,
  stderr: () => string
): Promise<void> {
  const deadline = Date.now() + 20_000;
  let spawnError: Error | undefined;
  child.once('error', (error) => {
    spawnError = error;
  });
  while (Date.now() < deadline) {
    if (spawnError) {
      throw new Error(
        `cannot start ${REGISTRY_BINARY} (install the docker-registry package): ${spawnError.message}`
      );
    }
    if (child.exitCode !== null) {
      throw new Error(`registry exited with ${child.exitCode}: ${stderr()}`);
    }
    try {
      const response = await fetch(`${baseUrl}/v2/`);
      await response.arrayBuffer();
      if (response.status === 200 || response.status === 401) return;
    } catch {
      // not listening yet
    }
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`registry did not become ready: ${stderr()}`);
}

async function stopChild(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => resolve())
  );
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), 3000);
  await exited;
  clearTimeout(timer);
}
