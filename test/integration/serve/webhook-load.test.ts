/**
 * Load on `archscan serve`'s webhook intake: a burst of 1,000 CNCF
 * Distribution deliveries on loopback, many of them for the same images,
 * must all be accepted, coalesce to one queued scan per distinct image,
 * and leave exactly one scan record per image once the worker has drained
 * the queue. `npm run bench:webhooks` runs the same burst and prints its
 * throughput and serve's peak memory.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  freePort,
  type RegistryProcess,
  startRegistry,
} from '../../support/registry.js';
import { type ServeProcess, startServe } from '../../support/serve-process.js';
import {
  type Burst,
  type BurstResult,
  distributionBurst,
  intakeTotals,
  type LoadImage,
  listedScans,
  pushLoadImages,
  queueDepth,
  sendBurst,
  waitForDrain,
} from '../../support/webhook-burst.js';

const SECRET = 'distribution-shared-secret-for-load';
const DELIVERIES = 1000;
const IMAGES = 20;
const IN_FLIGHT = 50;
/**
 * Long enough that every push of an image in the burst falls within one
 * window, even on a loaded machine; the queued scans wait this long.
 */
const COALESCE_SECONDS = 20;

let dir: string;
let registry: RegistryProcess;
let serve: ServeProcess;
let images: LoadImage[];
let burst: Burst;
let result: BurstResult;

function config(port: number): string {
  return `
listen:
  host: 127.0.0.1
  port: ${port}
stateDir: ${join(dir, 'state')}
registries:
  allow: ["${registry.host}"]
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

/** Waits long enough for a doubled scan to show up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 3000));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-webhook-load-'));
  registry = await startRegistry();
  images = await pushLoadImages(registry.baseUrl, IMAGES);
  const port = await freePort();
  serve = await startServe(dir, config(port), port, {
    DISTRIBUTION_SECRET: SECRET,
  });
  burst = distributionBurst(images, {
    count: DELIVERIES,
    registryHost: registry.host,
  });
  result = await sendBurst(
    `${serve.url}/webhooks/distribution`,
    burst.deliveries.map((d) => d.body),
    { concurrency: IN_FLIGHT, headers: { authorization: `Bearer ${SECRET}` } }
  );
});

afterAll(async () => {
  await serve?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('a burst of Distribution deliveries against archscan serve', () => {
  it('answers every delivery with a 2xx', () => {
    const refused = result.answers.filter(
      (a) => a.status < 200 || a.status > 299
    );
    expect(refused).toEqual([]);
    expect(result.answers).toHaveLength(DELIVERIES);
  });

  it('queues each distinct image once and coalesces every other push of it', () => {
    // Prepare: the burst repeats every image, and carries untagged platform
    // manifests and whole pushes in one envelope.
    const pushes = burst.deliveries.reduce((sum, d) => sum + d.pushes, 0);
    expect(burst.images).toHaveLength(IMAGES);
    expect(pushes).toBeGreaterThan(5 * IMAGES);
    expect(burst.deliveries.some((d) => d.platformManifests > 0)).toBe(true);
    expect(burst.deliveries.some((d) => d.events > 1)).toBe(true);
    // Assess
    const totals = intakeTotals(result.answers);
    expect(totals.queued).toBe(IMAGES);
    expect(totals.coalesced).toBe(pushes - IMAGES);
  });

  it('queues nothing for deliveries without a tagged push (blobs, platform manifests)', () => {
    const untagged = result.answers.filter(
      (_, i) => burst.deliveries[i]?.pushes === 0
    );
    const touched = intakeTotals(untagged);
    expect(untagged.length).toBeGreaterThan(0);
    expect(touched.queued + touched.coalesced).toBe(0);
    expect(touched.ignored).toBeGreaterThanOrEqual(untagged.length);
  });

  it('ends with exactly one passing scan record per distinct image', async () => {
    const drained = await waitForDrain(
      serve.url,
      registry.host,
      images,
      IMAGES,
      90_000
    );
    await settle();
    const scans = await listedScans(serve.url, registry.host, images);
    expect(drained.depth).toEqual({ ready: 0, delayed: 0, leased: 0 });
    expect(await queueDepth(serve.url)).toEqual({
      ready: 0,
      delayed: 0,
      leased: 0,
    });
    expect(scans).toHaveLength(IMAGES);
    const scanned = scans.map((s) => `${s.repository}:${s.tag}@${s.digest}`);
    const pushed = images.map(
      (i) => `${i.repository}:${i.tag}@${i.top.digest}`
    );
    expect(scanned.sort()).toEqual(pushed.sort());
    // Every image is clean: any other status shows with its error.
    expect(scans.filter((s) => s.status !== 'pass')).toEqual([]);
  });
});
