/**
 * Scan records for notification tests, built through the real
 * `toScanRecord` so counts and severity agree with the findings.
 */
import type { Finding, ScanReport } from '../../lib/engine/findings/report.js';
import type {
  Regression,
  ScanRecord,
} from '../../lib/engine/history/scan-record.js';
import { toScanRecord } from '../../lib/engine/history/summarize.js';

export const DIGEST =
  'sha256:7f5b3c2a1d0e9f8a7b6c5d4e3f2a1b0c9d8e7f6a5b4c3d2e1f0a9b8c7d6e5f4a';
export const REGISTRY = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';

/** A binary finding on `platform`, with sensible defaults. */
export function binaryFinding(overrides: Partial<Finding> = {}): Finding {
  return {
    kind: 'binary-arch-mismatch',
    severity: 'error',
    platform: 'linux/arm64',
    path: '/usr/local/bin/app',
    layer:
      'sha256:1111111111111111111111111111111111111111111111111111111111111111',
    expected: 'linux/arm64',
    actual: 'linux/amd64',
    entrypoint: true,
    message: 'x86-64 binary in a linux/arm64 image',
    ...overrides,
  };
}

/** A missing-platform finding. */
export function missingPlatform(platform = 'linux/arm64'): Finding {
  return {
    kind: 'missing-platform',
    severity: 'error',
    platform,
    expected: platform,
    actual: 'absent',
    entrypoint: false,
    message: `${platform} is not in the index`,
  };
}

export interface RecordOptions {
  readonly findings?: Finding[];
  readonly status?: ScanReport['status'];
  readonly error?: ScanReport['error'];
  readonly regression?: Regression;
  readonly repository?: string;
  readonly tag?: string | null;
  readonly digest?: string | null;
}

/** A scan record of `team/my-api:1.4.0` with the given findings. */
export function makeRecord(options: RecordOptions = {}): ScanRecord {
  const findings = options.findings ?? [];
  const digest = options.digest === undefined ? DIGEST : options.digest;
  const report: ScanReport = {
    schemaVersion: 1,
    reference: `${REGISTRY}/${options.repository ?? 'team/my-api'}:1.4.0`,
    digest,
    mediaType: 'application/vnd.oci.image.index.v1+json',
    scannedAt: '2026-03-01T12:00:00.000Z',
    status: options.status ?? (findings.length ? 'fail' : 'pass'),
    expectedPlatforms: ['linux/amd64', 'linux/arm64'],
    platforms: [],
    skipped: [],
    findings,
    warnings: [],
    stats: { bytesDownloaded: 0, bytesInflated: 0, durationMs: 0 },
    ...(options.error ? { error: options.error } : {}),
  };
  const tag = options.tag === undefined ? '1.4.0' : options.tag;
  const record = toScanRecord(report, {
    registry: REGISTRY,
    repository: options.repository ?? 'team/my-api',
    ...(tag !== null ? { tag } : {}),
  });
  return options.regression
    ? { ...record, regression: options.regression }
    : record;
}
