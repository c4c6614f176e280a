/**
 * `npm run bench`: archscan's performance targets, each printed as a ratio
 * against a baseline measured in the same run (shared machines are noisy):
 *
 * - scan ÷ floor, where the floor is the fastest serial fetch-and-gunzip of
 *   the same blobs from the same registry Node can do (1 MiB zlib chunks);
 *   target ≤ 1.25;
 * - scan ÷ naive pipeline (`skopeo copy`, `tar -x` of every layer, `file`
 *   on every file); target ≤ 0.25;
 * - peak RSS of the scan, for a small and the big image (target ≤ 200 MB,
 *   not growing with image size);
 * - warm-cache rescan ÷ first scan; target ≤ 0.05.
 *
 * The image (≥ 1.5 GB uncompressed, several gzip layers) is built once and
 * kept with the registry's storage under `.cache/bench/`, then reused.
 */
import { spawn, spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createGunzip } from 'node:zlib';
import { request } from 'undici';
import { readFixture } from '../support/binary-fixtures.js';
import { buildImage, type FileSpec } from '../support/oci-image.js';
import { pushImage } from '../support/push.js';
import { startRegistry } from '../support/registry.js';

const ROOT = resolve(import.meta.dirname, '../..');
const STORAGE = join(ROOT, '.cache/bench/registry');
const LAYERS = Number(process.env.BENCH_LAYERS ?? 6);
const LAYER_MB = Number(process.env.BENCH_LAYER_MB ?? 256);
const RUNS = Number(process.env.BENCH_RUNS ?? 3);
const BIG = 'bench/big';
const SMALL = 'bench/small';

/** A layer of ~LAYER_MB: native binaries, incompressible data and text, like an application image. */
function layerFiles(index: number): FileSpec[] {
  const files: FileSpec[] = [];
  const bins = [
    'hello-amd64',
    'hello-amd64-static',
    'addon-amd64.so',
    'hello-arm64',
    'hello-windows-amd64.exe',
  ];
  let bytes = 0;
  let n = 0;
  const target = LAYER_MB * 1024 * 1024;
  while (bytes < target) {
    const kind = n % 10;
    let content: Uint8Array;
    if (kind < 3) content = readFixture(bins[n % bins.length] as string);
    else if (kind < 6)
      content = randomBytes(256 * 1024 + ((n * 7919) % (1024 * 1024)));
    else
      content = Buffer.from(
        `line ${n} of layer ${index}: the quick brown fox\n`.repeat(
          4000 + (n % 5000)
        )
      );
    files.push({
      path: `opt/l${index}/d${n % 50}/f${n}`,
      content,
      mode: kind < 3 ? 0o755 : 0o644,
    });
    bytes += content.length;
    n++;
  }
  return files;
}

async function ensureImages(baseUrl: string): Promise<void> {
  // Distribution answers an OCI manifest only to a client that accepts it.
  const head = await fetch(`${baseUrl}/v2/${SMALL}/manifests/1`, {
    method: 'HEAD',
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  if (head.ok) return;
  process.stdout.write(
    `building a ${LAYERS}-layer image of ~${LAYERS * LAYER_MB} MB (once; kept in .cache/bench)…\n`
  );
  const layers = [];
  for (let i = 0; i < LAYERS; i++) layers.push({ files: layerFiles(i) });
  const platform = { os: 'linux', architecture: 'amd64' };
  const big = await buildImage({
    images: [{ platform, entrypoint: ['/opt/l0/d0/f0'], layers }],
  });
  await pushImage(big, { baseUrl, repository: BIG, tag: '1' });
  const small = await buildImage({
    images: [
      { platform, entrypoint: ['/opt/l0/d0/f0'], layers: layers.slice(0, 2) },
    ],
  });
  await pushImage(small, { baseUrl, repository: SMALL, tag: '1' });
}

async function layerDigests(
  baseUrl: string,
  repository: string
): Promise<string[]> {
  const response = await fetch(`${baseUrl}/v2/${repository}/manifests/1`, {
    headers: { accept: 'application/vnd.oci.image.manifest.v1+json' },
  });
  const manifest = (await response.json()) as { layers: { digest: string }[] };
  return manifest.layers.map((l) => l.digest);
}

/** The floor: serial fetch + gunzip of every layer, 1 MiB zlib chunks, nothing else. */
async function floor(baseUrl: string, digests: string[]): Promise<number> {
  const started = performance.now();
  for (const digest of digests) {
    const { body } = await request(`${baseUrl}/v2/${BIG}/blobs/${digest}`);
    const gunzip = createGunzip({ chunkSize: 1024 * 1024 });
    body.pipe(gunzip);
    for await (const _ of gunzip) {
      // drain
    }
  }
  return performance.now() - started;
}

interface Timed {
  /** Wall time of the whole process, Node start-up included. */
  ms: number;
  /** The report's own `stats.durationMs`: the scan without process start-up. */
  scanMs: number;
  maxRssMb: number;
  code: number | null;
}

/** Runs the built CLI in a child process, timing it and reading its peak RSS at exit. */
function scan(
  host: string,
  repository: string,
  extra: string[]
): Promise<Timed> {
  // Reports the child's own peak RSS (VmHWM, in kB) on fd 3 as it exits.
  // Not process.resourceUsage().maxRSS: Linux keeps ru_maxrss across
  // execve, so a child would report this (large) benchmark process's peak.
  const reporter =
    "data:text/javascript,import{readFileSync,writeSync}from'node:fs';process.on('exit',()=>writeSync(3,/VmHWM:\\s*(\\d+)/.exec(readFileSync('/proc/self/status','utf8'))[1]))";
  const started = performance.now();
  return new Promise((resolvePromise, reject) => {
    const child = spawn(
      process.execPath,
      [
        '--import',
        reporter,
        join(ROOT, 'dist/archscan.mjs'),
        'scan',
        '--format',
        'json',
        ...extra,
        `${host}/${repository}:1`,
      ],
      { stdio: ['ignore', 'pipe', 'inherit', 'pipe'] }
    );
    let rss = '';
    let stdout = '';
    child.stdout?.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
    });
    child.stdio[3]?.on('data', (chunk: Buffer) => {
      rss += chunk.toString();
    });
    child.on('error', reject);
    // 'close', not 'exit': stdout and fd 3 are fully read by then.
    child.on('close', (code) => {
      const report = JSON.parse(stdout) as { stats: { durationMs: number } };
      resolvePromise({
        ms: performance.now() - started,
        scanMs: report.stats.durationMs,
        maxRssMb: Number(rss) / 1024,
        code,
      });
    });
  });
}

/** The naive pipeline: skopeo copy to a directory, untar every layer, `file` on every file. */
async function naive(host: string): Promise<number> {
  const dir = await mkdtemp(join(tmpdir(), 'archscan-naive-'));
  try {
    const started = performance.now();
    run('skopeo', [
      'copy',
      '--insecure-policy',
      '--src-tls-verify=false',
      `docker://${host}/${BIG}:1`,
      `dir:${dir}/image`,
    ]);
    const blobs = (await readdir(join(dir, 'image'))).filter((f) =>
      /^[0-9a-f]{64}$/.test(f)
    );
    for (const blob of blobs) {
      const out = join(dir, 'rootfs', blob.slice(0, 12));
      await mkdir(out, { recursive: true });
      const untar = spawnSync(
        'tar',
        ['-xzf', join(dir, 'image', blob), '-C', out],
        { stdio: 'ignore' }
      );
      if (untar.status !== 0) await rm(out, { recursive: true, force: true }); // the config blob is not a tar
    }
    run('sh', [
      '-c',
      `find '${join(dir, 'rootfs')}' -type f -print0 | xargs -0 -r file -b > /dev/null`,
    ]);
    return performance.now() - started;
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function run(command: string, args: string[]): void {
  const result = spawnSync(command, args, {
    stdio: ['ignore', 'ignore', 'inherit'],
  });
  if (result.error || result.status !== 0) {
    throw new Error(
      `${command} failed (${result.error?.message ?? `exit ${result.status}`}); install skopeo, tar and file`
    );
  }
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? Number.NaN;
}

async function main(): Promise<void> {
  // Always measure the code as it is now.
  run('npm', ['run', '-s', 'build']);
  await mkdir(STORAGE, { recursive: true });
  const registry = await startRegistry({ storageDir: STORAGE });
  const cacheDir = await mkdtemp(join(tmpdir(), 'archscan-bench-cache-'));
  try {
    await ensureImages(registry.baseUrl);
    const digests = await layerDigests(registry.baseUrl, BIG);
    const floors: number[] = [];
    const scans: Timed[] = [];
    const warm: Timed[] = [];
    const small: Timed[] = [];
    for (let i = 0; i < RUNS; i++) {
      floors.push(await floor(registry.baseUrl, digests));
      scans.push(await scan(registry.host, BIG, ['--no-cache']));
      small.push(await scan(registry.host, SMALL, ['--no-cache']));
    }
    const first = await scan(registry.host, BIG, ['--cache-dir', cacheDir]);
    for (let i = 0; i < RUNS; i++)
      warm.push(await scan(registry.host, BIG, ['--cache-dir', cacheDir]));
    const naiveMs = await naive(registry.host);
    const scanMs = median(scans.map((s) => s.ms));
    const floorMs = median(floors);
    const lines = [
      `image: ${digests.length} gzip layers, ~${LAYERS * LAYER_MB} MB uncompressed; ${RUNS} runs, medians`,
      `floor (serial fetch + gunzip)       ${floorMs.toFixed(0)} ms`,
      `scan, no cache                      ${scanMs.toFixed(0)} ms   exit codes ${scans.map((s) => s.code).join(',')}`,
      `naive pipeline (skopeo+tar+file)    ${naiveMs.toFixed(0)} ms`,
      `scan ÷ floor                        ${(scanMs / floorMs).toFixed(3)}   (target ≤ 1.25)`,
      `scan ÷ naive                        ${(scanMs / naiveMs).toFixed(3)}   (target ≤ 0.25)`,
      `peak RSS, big image                 ${median(scans.map((s) => s.maxRssMb)).toFixed(0)} MB   (target ≤ 200)`,
      `peak RSS, small image (2 layers)    ${median(small.map((s) => s.maxRssMb)).toFixed(0)} MB`,
      `warm rescan ÷ first scan, scan time ${(median(warm.map((w) => w.scanMs)) / first.scanMs).toFixed(3)}   (target ≤ 0.05; report durationMs: first ${first.scanMs} ms, warm ${median(warm.map((w) => w.scanMs))} ms)`,
      `warm rescan ÷ first scan, process   ${(median(warm.map((w) => w.ms)) / first.ms).toFixed(3)}   (wall clock incl. Node start-up: first ${first.ms.toFixed(0)} ms, warm ${median(warm.map((w) => w.ms)).toFixed(0)} ms)`,
    ];
    process.stdout.write(`${lines.join('\n')}\n`);
  } finally {
    await rm(cacheDir, { recursive: true, force: true });
    await registry.stop();
  }
}

await main();
