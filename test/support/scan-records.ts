/**
 * Scan records for store tests, built through the engine's own
 * `toScanRecord` so they have exactly the shape the worker stores.
 */
import type {
  Finding,
  ScanReport,
  ScanStatus,
} from '../../lib/engine/findings/report.js';
import type { ScanRecord } from '../../lib/engine/history/scan-record.js';
import { toScanRecord } from '../../lib/engine/history/summarize.js';

export interface RecordSpec {
  registry?: string;
  repository?: string;
  tag?: string;
  /** `null` for a scan that failed before resolving the digest. */
  digest?: string | null;
  scannedAt: string;
  status?: ScanStatus;
  findings?: Finding[];
}

/** A digest made from a number, valid in form. */
export function digestOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

/** A report and its record. */
export function makeRecord(spec: RecordSpec): ScanRecord {
  const registry = spec.registry ?? 'registry.example.com';
  const repository = spec.repository ?? 'team/app';
  const digest = spec.digest === undefined ? digestOf(1) : spec.digest;
  const status = spec.status ?? 'pass';
  const report: ScanReport = {
    schemaVersion: 1,
    reference: `${registry}/${repository}${spec.tag ? `:${spec.tag}` : ''}`,
    digest,
    mediaType: digest ? 'application/vnd.oci.image.index.v1+json' : null,
    scannedAt: spec.scannedAt,
    status,
    expectedPlatforms: ['linux/amd64', 'linux/arm64'],
    platforms:
      status === 'error'
        ? []
        : [
            {
              platform: 'linux/amd64',
              manifestDigest: digestOf(1001),
              config: { os: 'linux', architecture: 'amd64' },
              entrypoint: {
                command: ['/usr/local/bin/app'],
                resolvedPath: '/usr/local/bin/app',
              },
              layers: [
                {
                  digest: digestOf(2001),
                  mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
                  size: 31_337,
                  fromCache: false,
                },
              ],
              binaries: { total: 3, byArchitecture: { amd64: 3 } },
            },
          ],
    skipped: [],
    findings:
      spec.findings ??
      (status === 'fail' ? [mismatch('/usr/local/bin/app', 0)] : []),
    warnings: [],
    stats: { bytesDownloaded: 31_337, bytesInflated: 90_000, durationMs: 420 },
    ...(status === 'error'
      ? { error: { code: 'registry', message: 'registry answered 503' } }
      : {}),
  };
  return toScanRecord(report, {
    registry,
    repository,
    ...(spec.tag ? { tag: spec.tag } : {}),
  });
}

/** One `binary-arch-mismatch` finding (an arm64 binary in an amd64 image). */
export function mismatch(path: string, layer: number): Finding {
  return {
    kind: 'binary-arch-mismatch',
    severity: 'error',
    platform: 'linux/amd64',
    path,
    layer: digestOf(3000 + layer),
    expected: 'linux/amd64',
    actual: 'linux/arm64',
    entrypoint: false,
    message: `${path} is an arm64 binary in a linux/amd64 image`,
  };
}

const TREES = [
  'usr/lib/node_modules/@scope/native-addon/build/Release',
  'opt/conda/lib/python3.12/site-packages/numpy/_core',
  'usr/local/lib/python3.12/dist-packages/torch/lib',
  'app/node_modules/.pnpm/sharp@0.33.5/node_modules/@img/sharp-linux-arm64/lib',
  'usr/lib/aarch64-linux-gnu/gconv',
];

/**
 * `count` mismatched-binary findings with paths like a large Python or
 * Node image's, spread over ten layers: an image whose report cannot fit
 * in one DynamoDB item.
 */
export function manyMismatches(count: number): Finding[] {
  const findings: Finding[] = [];
  for (let i = 0; i < count; i++) {
    const tree = TREES[i % TREES.length];
    findings.push(
      mismatch(
        `/${tree}/module_${i.toString(36)}_${i % 97}.cpython-312-aarch64-linux-gnu.so`,
        i % 10
      )
    );
  }
  return findings;
}

/** A clock the test moves. */
export { TestClock } from './fakes/test-clock.js';
