/**
 * `archscan scan` as a user runs it: through `run(argv, io)` against OCI
 * layouts on disk and a real registry on loopback, checking output formats,
 * exit codes and error lines.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { run } from '../../../lib/cli/run.js';
import type { ScanReport } from '../../../lib/engine/findings/report.js';
import { readFixture as fixture } from '../../support/binary-fixtures.js';
import {
  buildImage,
  type ImageSpec,
  writeLayout,
} from '../../support/oci-image.js';
import { pushImage } from '../../support/push.js';
import { type RegistryProcess, startRegistry } from '../../support/registry.js';

function recorder(isTTY = false) {
  let text = '';
  return {
    write: (s: string) => {
      text += s;
      return true;
    },
    isTTY,
    get text() {
      return text;
    },
  };
}

async function cli(argv: string[], env: Record<string, string> = {}) {
  const stdout = recorder();
  const stderr = recorder();
  const code = await run(argv, {
    stdout,
    stderr,
    env: { HOME: dir, XDG_CACHE_HOME: join(dir, 'cache'), ...env },
  });
  return { code, stdout: stdout.text, stderr: stderr.text };
}

const arm64 = { os: 'linux', architecture: 'arm64' };
const amd64 = { os: 'linux', architecture: 'amd64' };
const app = (
  platform: typeof arm64,
  server: string,
  addon: string
): ImageSpec => ({
  platform,
  entrypoint: ['/app/server'],
  layers: [
    {
      files: [
        {
          path:
            platform === arm64
              ? 'lib/ld-linux-aarch64.so.1'
              : 'lib64/ld-linux-x86-64.so.2',
          content: 'loader',
        },
        { path: 'app/server', content: fixture(server) },
        { path: 'app/addon.node', content: fixture(addon), mode: 0o644 },
        { path: 'opt/compat/tool32', content: fixture('hello-386') },
      ],
    },
  ],
});

let dir: string;
let clean: string;
let broken: string;
let registry: RegistryProcess;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-cli-'));
  clean = join(dir, 'clean');
  broken = join(dir, 'broken');
  await writeLayout(clean, {
    tag: '1.0',
    attestations: true,
    images: [
      {
        ...app(amd64, 'hello-amd64', 'addon-amd64.so'),
        layers: [
          {
            files: [
              { path: 'lib64/ld-linux-x86-64.so.2', content: 'l' },
              { path: 'app/server', content: fixture('hello-amd64') },
            ],
          },
        ],
      },
      app(arm64, 'hello-arm64', 'addon-arm64.so'),
    ].map((i) => ({
      ...i,
      layers: i.layers.map((l) => ({
        ...l,
        files: l.files.filter((f) => f.path !== 'opt/compat/tool32'),
      })),
    })),
  });
  await writeLayout(broken, {
    tag: '1.1',
    images: [
      app(amd64, 'hello-amd64', 'addon-amd64.so'),
      app(arm64, 'hello-arm64', 'addon-amd64.so'),
    ],
  });
  registry = await startRegistry({ inMemory: true });
  await pushImage(
    await buildImage({ images: [app(arm64, 'hello-arm64', 'addon-amd64.so')] }),
    { baseUrl: registry.baseUrl, repository: 'team/api', tag: '1.4.0' }
  );
});

afterAll(async () => {
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe('archscan scan', () => {
  it('prints a passing table and exits 0 for a clean image', async () => {
    // Act
    const result = await cli([
      'scan',
      '--platform',
      'linux/amd64,linux/arm64',
      `oci:${clean}:1.0`,
    ]);
    // Assess
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^PASS {2}oci:/);
    expect(result.stdout).toContain('no findings');
    expect(result.stdout).toContain('skipped   attestation manifest (2)');
    expect(result.stdout).toMatch(
      /entrypoint {2}\/app\/server -> \/app\/server/
    );
    expect(result.stderr).toBe('');
  });

  it('prints findings with path and actual architecture and exits 1', async () => {
    const result = await cli(['scan', `oci:${broken}:1.1`]);
    expect(result.code).toBe(1);
    expect(result.stdout).toMatch(/^FAIL/);
    expect(result.stdout).toMatch(
      /error\s+binary-arch-mismatch\s+linux\/arm64\s+\/app\/addon\.node\s+linux\/amd64/
    );
    expect(result.stdout).toMatch(
      /warning\s+binary-arch-mismatch\s+linux\/amd64\s+\/opt\/compat\/tool32\s+linux\/386/
    );
  });

  it('--fail-on decides which findings fail the exit code', async () => {
    const never = await cli([
      'scan',
      '--fail-on',
      'never',
      `oci:${broken}:1.1`,
    ]);
    const onlyWarnings = await cli([
      'scan',
      '--fail-on',
      'warning',
      '--platform',
      'linux/amd64',
      `oci:${clean}:1.0`,
    ]);
    expect(never.code).toBe(0);
    expect(onlyWarnings.code).toBe(0);
    const warningImage = await cli([
      'scan',
      '--fail-on',
      'warning',
      `oci:${broken}:1.1`,
    ]);
    expect(warningImage.code).toBe(1);
  });

  it('--format json prints exactly the report', async () => {
    // Act
    const result = await cli(['scan', '--format', 'json', `oci:${broken}:1.1`]);
    const report = JSON.parse(result.stdout) as ScanReport;
    // Assess
    expect(report.schemaVersion).toBe(1);
    expect(report.status).toBe('fail');
    expect(report.platforms.map((p) => p.platform)).toEqual([
      'linux/amd64',
      'linux/arm64',
    ]);
    expect(report.findings.find((f) => f.severity === 'error')).toMatchObject({
      kind: 'binary-arch-mismatch',
      path: '/app/addon.node',
      expected: 'linux/arm64',
      actual: 'linux/amd64',
      entrypoint: false,
    });
    expect(Object.keys(report.stats)).toEqual([
      'bytesDownloaded',
      'bytesInflated',
      'durationMs',
    ]);
  });

  it('--format sarif writes a SARIF 2.1.0 log with one result per finding', async () => {
    const result = await cli([
      'scan',
      '--format',
      'sarif',
      `oci:${broken}:1.1`,
    ]);
    const sarif = JSON.parse(result.stdout);
    expect(sarif.version).toBe('2.1.0');
    const results = sarif.runs[0].results;
    expect(
      results.map((r: { ruleId: string; level: string }) => [r.ruleId, r.level])
    ).toEqual([
      ['binary-arch-mismatch', 'warning'],
      ['binary-arch-mismatch', 'error'],
      // An i386 binary runs on amd64 through compatibility, never on arm64.
      ['binary-arch-mismatch', 'error'],
    ]);
    expect(results[1].locations[0].physicalLocation.artifactLocation).toEqual({
      uri: 'app/addon.node',
      uriBaseId: 'IMAGEROOT',
    });
  });

  it('scans from a registry on loopback and caches layer facts', async () => {
    // Act
    const first = await cli([
      'scan',
      '--format',
      'json',
      `${registry.host}/team/api:1.4.0`,
    ]);
    const second = await cli([
      'scan',
      '--format',
      'json',
      `${registry.host}/team/api:1.4.0`,
    ]);
    // Assess
    expect(first.code).toBe(1);
    const cached = JSON.parse(second.stdout) as ScanReport;
    expect(cached.platforms[0]?.layers.every((l) => l.fromCache)).toBe(true);
    expect(cached.findings).toEqual(
      (JSON.parse(first.stdout) as ScanReport).findings
    );
  });

  it.each([
    [['scan', '--platform', 'linux', 'alpine'], /invalid platform "linux"/],
    [['scan', 'UPPER/Case'], /invalid image reference/],
    [
      ['scan', `oci:${'/nonexistent/dir'}`],
      /not an OCI (image )?layout|no such|does not exist/i,
    ],
    [['scan', '--concurrency', '0', 'alpine'], /whole number from 1 to 64/],
  ])('exits 2 with one clear line for %j', async (argv, message) => {
    const result = await cli(argv);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(result.stdout).toBe('');
  });

  it('exits 2 and prints an error report when the registry has no such image', async () => {
    const result = await cli([
      'scan',
      '--format',
      'json',
      `${registry.host}/team/api:9.9.9`,
    ]);
    expect(result.code).toBe(2);
    expect(JSON.parse(result.stdout)).toMatchObject({
      status: 'error',
      error: { code: 'not-found' },
    });
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('--help explains references, options and exit codes', async () => {
    const result = await cli(['scan', '--help']);
    expect(result.code).toBe(0);
    for (const word of [
      '--platform',
      '--format',
      '--fail-on',
      'oci-archive:FILE',
      'Exit codes',
    ]) {
      expect(result.stdout).toContain(word);
    }
  });
});
