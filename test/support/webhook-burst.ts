/**
 * A burst of CNCF Distribution notifications for the webhook load test and
 * its benchmark. Real images are pushed to a real registry first, so the
 * worker can scan what the burst names; the burst is then what a busy
 * registry sends for them (reference/oci-and-registries.md §7.5): per push,
 * one event per blob, one per untagged platform manifest and one for the
 * tagged top document, mostly one event per envelope and sometimes the
 * whole push in one envelope. The images are pushed again and again, each
 * time with fresh event ids, so deliveries repeat images but never repeat
 * themselves (an exact resend is a replay, refused by design).
 */
import { randomUUID } from 'node:crypto';
import { Pool, request } from 'undici';
import { readFixture } from './binary-fixtures.js';
import { type Blob, buildImage, type ImageSpec, OCI } from './oci-image.js';
import { pushImage } from './push.js';

/** One image pushed to the registry, with every document and blob it is made of. */
export interface LoadImage {
  readonly repository: string;
  readonly tag: string;
  /** The tagged top document: an index, or a single-platform manifest. */
  readonly top: Blob;
  /** The platform manifests an index lists (pushed without a tag). */
  readonly children: readonly Blob[];
  /** Layers and configs. */
  readonly blobs: readonly Blob[];
}

/** One delivery of the burst. */
export interface BurstDelivery {
  /** The envelope, as the registry sends it. */
  readonly body: string;
  /** Events in the envelope. */
  readonly events: number;
  /** Pushes of a tagged top document in it: each is queued or coalesced. */
  readonly pushes: number;
  /** Pushes of untagged platform manifests in it: intake leaves them to their index. */
  readonly platformManifests: number;
}

/** The deliveries, and the images intake must queue once each. */
export interface Burst {
  readonly deliveries: readonly BurstDelivery[];
  /** Images with at least one tagged push among the deliveries. */
  readonly images: readonly LoadImage[];
}

/** What one delivery was answered. */
export interface BurstAnswer {
  readonly status: number;
  readonly body: string;
}

/** What sending the burst gave. */
export interface BurstResult {
  /** In the order of the deliveries. */
  readonly answers: readonly BurstAnswer[];
  /** Time from sending a delivery to reading its whole answer, per delivery. */
  readonly latenciesMs: readonly number[];
  /** Wall time of the whole burst. */
  readonly elapsedMs: number;
}

/** The sum of intake's counters over the answers. */
export interface IntakeTotals {
  readonly queued: number;
  readonly coalesced: number;
  readonly ignored: number;
}

/** A dynamically linked `hello` of `arch` with its program interpreter, so the image passes. */
function hello(arch: 'amd64' | 'arm64'): ImageSpec['layers'] {
  return [
    {
      files: [
        {
          path:
            arch === 'amd64'
              ? 'lib64/ld-linux-x86-64.so.2'
              : 'lib/ld-linux-aarch64.so.1',
          content: readFixture(`addon-${arch}.so`),
        },
        {
          path: 'usr/bin/hello',
          content: readFixture(`hello-${arch}`),
          mode: 0o755,
        },
      ],
    },
  ];
}

function platformImage(arch: 'amd64' | 'arm64', n: number): ImageSpec {
  return {
    platform: { os: 'linux', architecture: arch },
    layers: hello(arch),
    entrypoint: ['/usr/bin/hello'],
    // Makes each image's config, so its digest, its own.
    env: ['PATH=/usr/bin:/bin', `LOAD_IMAGE=${n}`],
  };
}

/**
 * Builds and pushes `count` distinct clean images: two tags per
 * repository (`load/app-NN:1` and `:2`), the first of each pair a
 * two-platform index, the second a single amd64 manifest.
 */
export async function pushLoadImages(
  baseUrl: string,
  count: number
): Promise<LoadImage[]> {
  const images: LoadImage[] = [];
  for (let n = 0; n < count; n++) {
    const multi = n % 2 === 0;
    const built = await buildImage({
      images: multi
        ? [platformImage('amd64', n), platformImage('arm64', n)]
        : [platformImage('amd64', n)],
    });
    const repository = `load/app-${String(Math.floor(n / 2)).padStart(2, '0')}`;
    const tag = String((n % 2) + 1);
    await pushImage(built, { baseUrl, repository, tag });
    const all = [...built.blobs.values()];
    images.push({
      repository,
      tag,
      top: built.top,
      children: all.filter(
        (b) => b.mediaType === OCI.manifest && b !== built.top
      ),
      blobs: all.filter(
        (b) => b.mediaType !== OCI.manifest && b.mediaType !== OCI.index
      ),
    });
  }
  return images;
}

/** Options of {@link distributionBurst}. */
export interface BurstOptions {
  /** Deliveries in the burst. */
  readonly count: number;
  /** `host:port` of the registry the events name. */
  readonly registryHost: string;
  /**
   * Every so many pushes, the whole push comes in one envelope; default 7,
   * prime to the image count, so indexes and single manifests both do.
   */
  readonly envelopeEvery?: number;
  /** Seed of the shuffle, so a run can be repeated. */
  readonly seed?: number;
}

/**
 * The deliveries for pushing every image, round after round, until there
 * are `count`; shuffled, so pushes of one image arrive together as well
 * as far apart. Timestamps are the current time: intake refuses stale
 * deliveries.
 *
 * @example
 * const burst = distributionBurst(images, { count: 1000, registryHost: registry.host });
 */
export function distributionBurst(
  images: readonly LoadImage[],
  options: BurstOptions
): Burst {
  if (images.length === 0) throw new Error('a burst needs images to push');
  const every = options.envelopeEvery ?? 7;
  const deliveries: BurstDelivery[] = [];
  const pushed = new Set<LoadImage>();
  const source = { addr: 'registry:5000', instanceID: randomUUID() };
  for (let push = 0; deliveries.length < options.count; push++) {
    const image = images[push % images.length] as LoadImage;
    const events = pushEvents(image, options.registryHost, source);
    const envelopes =
      push % every === every - 1 ? [events] : events.map((e) => [e]);
    for (const envelope of envelopes) {
      if (deliveries.length >= options.count) break;
      const pushes = envelope.filter((e) => e.target.tag !== undefined);
      if (pushes.length > 0) pushed.add(image);
      deliveries.push({
        // Indented by three spaces, as Distribution writes its envelopes.
        body: JSON.stringify({ events: envelope }, null, 3),
        events: envelope.length,
        pushes: pushes.length,
        platformManifests: envelope.filter(
          (e) =>
            e.target.tag === undefined && e.target.mediaType === OCI.manifest
        ).length,
      });
    }
  }
  return {
    deliveries: shuffle(deliveries, options.seed ?? 1),
    images: images.filter((image) => pushed.has(image)),
  };
}

interface DistributionEvent {
  readonly target: { readonly mediaType: string; readonly tag?: string };
}

/** The events of one push, in the order a registry sends them: blobs, platform manifests, the tagged top. */
function pushEvents(
  image: LoadImage,
  registryHost: string,
  source: { addr: string; instanceID: string }
): DistributionEvent[] {
  const event = (blob: Blob, kind: 'blobs' | 'manifests', tag?: string) => ({
    id: randomUUID(),
    timestamp: new Date().toISOString(),
    action: 'push',
    target: {
      // Distribution 2.8 reports every blob as application/octet-stream.
      mediaType: kind === 'blobs' ? 'application/octet-stream' : blob.mediaType,
      size: blob.bytes.length,
      digest: blob.digest,
      length: blob.bytes.length,
      repository: image.repository,
      url: `http://${registryHost}/v2/${image.repository}/${kind}/${blob.digest}`,
      ...(tag ? { tag } : {}),
    },
    request: {
      id: randomUUID(),
      addr: '127.0.0.1:50170',
      host: registryHost,
      method: 'PUT',
      useragent: 'node',
    },
    actor: {},
    source,
  });
  return [
    ...image.blobs.map((blob) => event(blob, 'blobs')),
    ...image.children.map((blob) => event(blob, 'manifests')),
    event(image.top, 'manifests', image.tag),
  ];
}

/** Fisher–Yates with a small deterministic generator (mulberry32). */
function shuffle<T>(items: T[], seed: number): T[] {
  let state = seed >>> 0;
  const random = () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  for (let i = items.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
  return items;
}

/** Options of {@link sendBurst}. */
export interface SendOptions {
  /** Deliveries in flight at once, each on its own connection. */
  readonly concurrency: number;
  readonly headers?: Record<string, string>;
}

/**
 * POSTs every body to `url` with at most `concurrency` in flight, through
 * one undici pool of that many kept-alive connections.
 *
 * @example
 * const result = await sendBurst(`${serve.url}/webhooks/distribution`, bodies, { concurrency: 50 });
 */
export async function sendBurst(
  url: string,
  bodies: readonly string[],
  options: SendOptions
): Promise<BurstResult> {
  const target = new URL(url);
  const pool = new Pool(target.origin, { connections: options.concurrency });
  const answers: BurstAnswer[] = new Array(bodies.length);
  const latenciesMs: number[] = new Array(bodies.length);
  let next = 0;
  const worker = async () => {
    while (next < bodies.length) {
      const i = next++;
      const started = performance.now();
      const response = await pool.request({
        method: 'POST',
        path: target.pathname,
        headers: {
          'content-type': 'application/vnd.docker.distribution.events.v2+json',
          ...options.headers,
        },
        body: bodies[i],
      });
      const body = await response.body.text();
      latenciesMs[i] = performance.now() - started;
      answers[i] = { status: response.statusCode, body };
    }
  };
  const started = performance.now();
  try {
    await Promise.all(
      Array.from(
        { length: Math.min(options.concurrency, bodies.length) },
        worker
      )
    );
    return { answers, latenciesMs, elapsedMs: performance.now() - started };
  } finally {
    await pool.close();
  }
}

/** Adds up `queued`, `coalesced` and `ignored` over intake's answers. */
export function intakeTotals(answers: readonly BurstAnswer[]): IntakeTotals {
  const totals = { queued: 0, coalesced: 0, ignored: 0 };
  for (const answer of answers) {
    const body = JSON.parse(answer.body) as Partial<IntakeTotals>;
    totals.queued += body.queued ?? 0;
    totals.coalesced += body.coalesced ?? 0;
    totals.ignored += body.ignored ?? 0;
  }
  return totals;
}

/** The `q`-quantile (0…1) of `values`, nearest rank. */
export function quantile(values: readonly number[], q: number): number {
  const sorted = [...values].sort((a, b) => a - b);
  const rank = Math.max(0, Math.ceil(q * sorted.length) - 1);
  return sorted[rank] ?? Number.NaN;
}

/** `GET /healthz`'s queue depth. */
export interface QueueDepth {
  readonly ready: number;
  readonly delayed: number;
  readonly leased: number;
}

/** One scan as the history API lists it. */
export interface ListedScan {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly status: string;
  readonly error?: { readonly code: string; readonly message: string };
}

/** The queue depth serve reports. */
export async function queueDepth(serveUrl: string): Promise<QueueDepth> {
  const response = await request(`${serveUrl}/healthz`);
  const body = (await response.body.json()) as { queue: QueueDepth };
  if (response.statusCode !== 200) {
    throw new Error(`GET /healthz answered ${response.statusCode}`);
  }
  return body.queue;
}

/** Every scan the history API lists for the images' repositories. */
export async function listedScans(
  serveUrl: string,
  registryHost: string,
  images: readonly LoadImage[]
): Promise<ListedScan[]> {
  const repositories = [...new Set(images.map((image) => image.repository))];
  const scans: ListedScan[] = [];
  for (const repository of repositories) {
    const query = new URLSearchParams({
      registry: registryHost,
      repository,
      limit: '100',
    });
    const response = await request(`${serveUrl}/scans?${query}`);
    const body = (await response.body.json()) as { items: ListedScan[] };
    if (response.statusCode !== 200) {
      throw new Error(`GET /scans answered ${response.statusCode}`);
    }
    scans.push(...body.items);
  }
  return scans;
}

/** What the worker left when the queue ran dry. */
export interface Drained {
  readonly scans: readonly ListedScan[];
  readonly depth: QueueDepth;
}

/**
 * Polls until the queue is empty and at least `expected` scans are
 * listed, or until `timeoutMs` (then returns what there is, for the caller
 * to judge).
 */
export async function waitForDrain(
  serveUrl: string,
  registryHost: string,
  images: readonly LoadImage[],
  expected: number,
  timeoutMs: number
): Promise<Drained> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const depth = await queueDepth(serveUrl);
    const empty = depth.ready + depth.delayed + depth.leased === 0;
    const late = Date.now() > deadline;
    if (empty || late) {
      const scans = await listedScans(serveUrl, registryHost, images);
      if (scans.length >= expected || late) return { scans, depth };
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}
