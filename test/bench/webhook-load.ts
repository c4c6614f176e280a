/**
 * `npm run bench:webhooks`: a burst of CNCF Distribution deliveries (the
 * one test/integration/serve/webhook-load.test.ts sends) against
 * `archscan serve` built from the sources, on loopback. Prints:
 *
 * - deliveries per second over the burst, and p50/p95 latency;
 * - the same burst, same client and concurrency, against a bare node:http
 *   server that reads the body and answers 202, measured in the same run
 *   (shared machines are noisy), and serve's throughput as a ratio of it;
 * - serve's peak RSS (VmHWM of the serve process) when ready, after the
 *   burst and after the drain;
 * - what intake answered (queued, coalesced, ignored), the time from the
 *   end of the burst until the queue is empty and every distinct image has
 *   its scan record, and the records counted then.
 *
 * Settings, from the environment: BENCH_DELIVERIES (default 1000),
 * BENCH_IN_FLIGHT (50), BENCH_IMAGES (20), BENCH_COALESCE_SECONDS (10,
 * serve's default: the queued scans wait this long, so the drain does too).
 */
import { spawn, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort, startRegistry } from '../support/registry.js';
import { startServe } from '../support/serve-process.js';
import {
  type BurstResult,
  distributionBurst,
  intakeTotals,
  pushLoadImages,
  quantile,
  sendBurst,
  waitForDrain,
} from '../support/webhook-burst.js';

const ROOT = resolve(import.meta.dirname, '../..');
const DELIVERIES = Number(process.env.BENCH_DELIVERIES ?? 1000);
const IN_FLIGHT = Number(process.env.BENCH_IN_FLIGHT ?? 50);
const IMAGES = Number(process.env.BENCH_IMAGES ?? 20);
const COALESCE_SECONDS = Number(process.env.BENCH_COALESCE_SECONDS ?? 10);
const SECRET = 'distribution-shared-secret-for-the-bench';
/** Scans of small images finish in seconds; this only stops a stuck run. */
const DRAIN_TIMEOUT_MS = 10 * 60 * 1000;

/** The bare server: reads the whole body, answers 202 with a short JSON body. */
const BARE_SERVER = `
import { createServer } from 'node:http';
const server = createServer((req, res) => {
  req.on('data', () => {});
  req.on('end', () => {
    res.writeHead(202, { 'content-type': 'application/json' });
    res.end('{"queued":0,"coalesced":0,"ignored":1}');
  });
});
server.listen(0, '127.0.0.1', () => process.stdout.write(server.address().port + '\\n'));
`;

/** Runs the bare server in its own process, as serve runs in its own. */
async function startBareServer(): Promise<{
  url: string;
  stop(): Promise<void>;
}> {
  const child = spawn(
    process.execPath,
    ['--input-type=module', '-e', BARE_SERVER],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
    }
  );
  const port = await new Promise<string>((resolvePort, reject) => {
    child.once('error', reject);
    child.stdout?.once('data', (chunk: Buffer) =>
      resolvePort(chunk.toString().trim())
    );
  });
  const exited = new Promise<void>((done) => child.once('exit', () => done()));
  return {
    url: `http://127.0.0.1:${port}/webhooks/distribution`,
    async stop() {
      child.kill('SIGTERM');
      await exited;
    },
  };
}

/** Peak resident set size of a process so far (VmHWM), in MB. */
function peakRssMb(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = /VmHWM:\s*(\d+)\s*kB/.exec(status)?.[1];
  return Number(kb) / 1024;
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `${command} ${args.join(' ')} failed (${result.error?.message ?? `exit ${result.status}`})`
    );
  }
}

function rate(result: BurstResult): number {
  return result.answers.length / (result.elapsedMs / 1000);
}

function describe(result: BurstResult): string {
  const ok = result.answers.filter((a) => a.status >= 200 && a.status < 300);
  return `${rate(result).toFixed(0)} deliveries/s   p50 ${quantile(result.latenciesMs, 0.5).toFixed(1)} ms   p95 ${quantile(result.latenciesMs, 0.95).toFixed(1)} ms   2xx ${ok.length}/${result.answers.length}   (${result.elapsedMs.toFixed(0)} ms)`;
}

function serveConfig(dir: string, port: number, registryHost: string): string {
  return `
listen:
  host: 127.0.0.1
  port: ${port}
stateDir: ${join(dir, 'state')}
registries:
  allow: ["${registryHost}"]
webhooks:
  coalesceSeconds: ${COALESCE_SECONDS}
  providers:
    distribution:
      secret: \${DISTRIBUTION_SECRET}
queue:
  concurrency: 2
notify:
  log: false
`;
}

async function main(): Promise<void> {
  // Always measure the code as it is now, without the transpiler.
  run('npm', ['run', '-s', 'build']);
  const dir = await mkdtemp(join(tmpdir(), 'archscan-bench-webhooks-'));
  const registry = await startRegistry();
  const bare = await startBareServer();
  let serve: Awaited<ReturnType<typeof startServe>> | undefined;
  try {
    const images = await pushLoadImages(registry.baseUrl, IMAGES);
    const burst = distributionBurst(images, {
      count: DELIVERIES,
      registryHost: registry.host,
    });
    const bodies = burst.deliveries.map((d) => d.body);
    const headers = { authorization: `Bearer ${SECRET}` };
    const baseline = await sendBurst(bare.url, bodies, {
      concurrency: IN_FLIGHT,
      headers,
    });
    await bare.stop();
    const port = await freePort();
    serve = await startServe(
      dir,
      serveConfig(dir, port, registry.host),
      port,
      { DISTRIBUTION_SECRET: SECRET },
      { bundle: join(ROOT, 'dist/archscan.mjs') }
    );
    const rssReady = peakRssMb(serve.pid);
    const result = await sendBurst(
      `${serve.url}/webhooks/distribution`,
      bodies,
      {
        concurrency: IN_FLIGHT,
        headers,
      }
    );
    const burstEnd = performance.now();
    const rssBurst = peakRssMb(serve.pid);
    const totals = intakeTotals(
      result.answers.filter((a) => a.status >= 200 && a.status < 300)
    );
    const drained = await waitForDrain(
      serve.url,
      registry.host,
      burst.images,
      burst.images.length,
      DRAIN_TIMEOUT_MS
    );
    const drainMs = performance.now() - burstEnd;
    const rssDrain = peakRssMb(serve.pid);
    const pushes = burst.deliveries.reduce((sum, d) => sum + d.pushes, 0);
    const lines = [
      `burst: ${bodies.length} Distribution deliveries, ${IN_FLIGHT} in flight, ${burst.images.length} distinct images pushed ${pushes} times; loopback`,
      `archscan serve       ${describe(result)}`,
      `bare node:http 202   ${describe(baseline)}`,
      `serve ÷ bare, deliveries/s         ${(rate(result) / rate(baseline)).toFixed(3)}`,
      `intake answered                    queued ${totals.queued}, coalesced ${totals.coalesced}, ignored ${totals.ignored}`,
      `serve peak RSS (VmHWM)             ready ${rssReady.toFixed(0)} MB, after burst ${rssBurst.toFixed(0)} MB, after drain ${rssDrain.toFixed(0)} MB`,
      `drain after burst                  ${(drainMs / 1000).toFixed(1)} s (coalescing window ${COALESCE_SECONDS} s, queue concurrency 2)`,
      `records                            ${drained.scans.length} for ${burst.images.length} distinct images; queue left ${JSON.stringify(drained.depth)}`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await serve?.stop();
    await bare.stop();
    await registry.stop();
    await rm(dir, { recursive: true, force: true });
  }
}

await main();
