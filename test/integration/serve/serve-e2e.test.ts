/**
 * `archscan serve` end to end with real parts: the Distribution registry on
 * 127.0.0.1 sends its notifications to serve, serve scans what was pushed,
 * keeps history in its embedded store on disk and tells a Slack-like
 * receiver. Killing serve mid-scan and starting it again must finish the
 * work with nothing lost and nothing doubled.
 */
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { request } from 'undici';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../lib/cli/run.js';
import { readFixture } from '../../support/binary-fixtures.js';
import { buildImage, type ImageSpec } from '../../support/oci-image.js';
import { pushImage } from '../../support/push.js';
import {
  freePort,
  type RegistryProcess,
  startRegistry,
} from '../../support/registry.js';
import { type ServeProcess, startServe } from '../../support/serve-process.js';
import {
  startWebhookServer,
  type WebhookServer,
} from '../../support/webhook-server.js';

const SECRET = 'distribution-shared-secret-for-tests';

let dir: string;
let port: number;
let registry: RegistryProcess;
let slack: WebhookServer;
let serve: ServeProcess | undefined;

function config(): string {
  return `
listen:
  host: 127.0.0.1
  port: ${port}
stateDir: ${join(dir, 'state')}
registries:
  allow: ["${registry.host}"]
webhooks:
  coalesceSeconds: 1
  providers:
    distribution:
      secret: \${DISTRIBUTION_SECRET}
queue:
  concurrency: 2
notify:
  log: true
  slack:
    webhookUrl: ${slack.origin}/services/T000/B000/XXXX
`;
}

const start = () =>
  startServe(dir, config(), port, { DISTRIBUTION_SECRET: SECRET });

/** A dynamically linked `hello` of `arch` with its program interpreter. */
const hello = (arch: 'amd64' | 'arm64'): ImageSpec['layers'] => [
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

/** amd64 + arm64, where the arm64 image carries an x86-64 binary. */
const wrongArch = (): Promise<Awaited<ReturnType<typeof buildImage>>> =>
  buildImage({
    images: [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        layers: hello('amd64'),
        entrypoint: ['/usr/bin/hello'],
      },
      {
        platform: { os: 'linux', architecture: 'arm64' },
        layers: hello('amd64'),
        entrypoint: ['/usr/bin/hello'],
      },
    ],
  });

const clean = (): Promise<Awaited<ReturnType<typeof buildImage>>> =>
  buildImage({
    images: [
      {
        platform: { os: 'linux', architecture: 'amd64' },
        layers: hello('amd64'),
        entrypoint: ['/usr/bin/hello'],
      },
      {
        platform: { os: 'linux', architecture: 'arm64' },
        layers: hello('arm64'),
        entrypoint: ['/usr/bin/hello'],
      },
    ],
  });

interface Summary {
  status: string;
  digest?: string;
  tag?: string;
}

async function scansOf(repository: string): Promise<Summary[]> {
  if (!serve) throw new Error('serve is not running');
  const response = await request(
    `${serve.url}/scans?registry=${encodeURIComponent(registry.host)}&repository=${encodeURIComponent(repository)}`
  );
  const body = (await response.body.json()) as { items: Summary[] };
  expect(response.statusCode).toBe(200);
  return body.items;
}

async function waitForScans(
  repository: string,
  count: number,
  timeoutMs = 60_000
): Promise<Summary[]> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const items = await scansOf(repository);
    if (items.length >= count || Date.now() > deadline) return items;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/** Waits long enough for a doubled scan or notification to show up. */
const settle = () => new Promise((resolve) => setTimeout(resolve, 4000));

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-serve-e2e-'));
  port = await freePort();
  slack = await startWebhookServer();
  registry = await startRegistry({
    extraConfig: `notifications:
  endpoints:
    - name: archscan
      url: http://127.0.0.1:${port}/webhooks/distribution
      headers:
        Authorization: [Bearer ${SECRET}]
      timeout: 2s
      threshold: 3
      backoff: 1s
`,
  });
  serve = await start();
});

afterAll(async () => {
  await serve?.stop();
  await registry?.stop();
  await slack?.close();
  await rm(dir, { recursive: true, force: true });
});

describe('archscan serve with Distribution notifications', () => {
  it('stores one failing scan and sends one notification for a wrong-arch multi-arch push', async () => {
    const before = slack.requests.length;
    await pushImage(await wrongArch(), {
      baseUrl: registry.baseUrl,
      repository: 'team/wrong',
      tag: '1.0.0',
    });
    const items = await waitForScans('team/wrong', 1);
    await settle();
    const after = await scansOf('team/wrong');
    expect(after).toHaveLength(1);
    expect(after[0]?.status).toBe('fail');
    expect(after[0]?.tag).toBe('1.0.0');
    expect(items[0]?.digest).toMatch(/^sha256:/);
    const sent = slack.requests.slice(before);
    expect(sent).toHaveLength(1);
    expect(sent[0]?.body).toContain('team/wrong');
  });

  it('stores a pass for a clean image and notifies nobody', async () => {
    const before = slack.requests.length;
    await pushImage(await clean(), {
      baseUrl: registry.baseUrl,
      repository: 'team/clean',
      tag: '2.0.0',
    });
    await waitForScans('team/clean', 1);
    await settle();
    const items = await scansOf('team/clean');
    expect(items.map((i) => i.status)).toEqual(['pass']);
    expect(slack.requests.length).toBe(before);
  });

  it('serves its history to archscan history --api', async () => {
    // Prepare
    let stdout = '';
    const io = {
      stdout: { write: (text: string) => (stdout += text) },
      stderr: { write: () => true },
      env: {},
    };
    // Act: the failures the first test left, through the CLI
    const code = await run(
      ['history', '--api', serve?.url ?? '', '--status', 'fail'],
      io
    );
    // Assess
    expect(code).toBe(0);
    expect(stdout).toContain('team/wrong');
    expect(stdout).not.toContain('team/clean');
  });

  it('finishes a scan interrupted by SIGKILL after a restart, once', async () => {
    const before = slack.requests.length;
    // A large incompressible layer keeps the scan busy long enough to kill it.
    const big = await buildImage({
      images: [
        {
          platform: { os: 'linux', architecture: 'arm64' },
          layers: [
            {
              files: [
                {
                  path: 'data/blob.bin',
                  content: randomBytes(96 * 1024 * 1024),
                },
              ],
            },
            ...hello('amd64'),
          ],
          entrypoint: ['/usr/bin/hello'],
        },
      ],
    });
    await pushImage(big, {
      baseUrl: registry.baseUrl,
      repository: 'team/interrupted',
      tag: '3.0.0',
    });
    await serve?.waitForLine(/scan started.*team\/interrupted/);
    await serve?.kill();
    // Killed mid-scan: nothing was recorded as processed.
    expect(
      serve?.lines.some((line) =>
        /scan request processed.*team\/interrupted/.test(line)
      )
    ).toBe(false);
    serve = await start();
    // The job left leased by the killed process is queued again at start.
    expect(await serve.waitForLine(/serve started/)).toContain('"resumed":1');
    const items = await waitForScans('team/interrupted', 1, 120_000);
    await settle();
    const after = await scansOf('team/interrupted');
    expect(after).toHaveLength(1);
    expect(after[0]?.status).toBe('fail');
    expect(items[0]?.tag).toBe('3.0.0');
    const sent = slack.requests
      .slice(before)
      .filter((r) => r.body.includes('team/interrupted'));
    expect(sent).toHaveLength(1);
  });
});
