import { describe, expect, it } from 'vitest';
import type {
  Finding,
  ScanReport,
} from '../../../../lib/engine/findings/report.js';
import {
  ecrImageActionSchema,
  ecrRegistryHost,
  fromEcrEvent,
} from '../../../../lib/engine/history/ecr-event.js';
import { expectedPlatformsFor } from '../../../../lib/engine/history/policy.js';
import {
  requestReference,
  scanRequestSchema,
} from '../../../../lib/engine/history/scan-request.js';
import {
  compareWithPrevious,
  toScanRecord,
} from '../../../../lib/engine/history/summarize.js';
import { formatPlatform } from '../../../../lib/engine/platform/platform.js';

/** The event AWS documents for a push (reference §6.1). */
const ecrEvent = {
  version: '0',
  id: '13cde686-328b-6117-af20-0e5566167482',
  'detail-type': 'ECR Image Action',
  source: 'aws.ecr',
  account: '123456789012',
  time: '2025-01-16T01:54:34Z',
  region: 'us-west-2',
  resources: [],
  detail: {
    result: 'SUCCESS',
    'repository-name': 'team/my-api',
    'image-digest': `sha256:${'7'.repeat(64)}`,
    'action-type': 'PUSH',
    'image-tag': '1.4.0',
  },
};

describe('fromEcrEvent', () => {
  it('turns a successful push into a scan request for the ECR registry host', () => {
    // Act
    const request = fromEcrEvent(ecrImageActionSchema.parse(ecrEvent));
    // Assess
    expect(request).toEqual({
      version: 1,
      source: 'ecr',
      registry: '123456789012.dkr.ecr.us-west-2.amazonaws.com',
      repository: 'team/my-api',
      tag: '1.4.0',
      digest: `sha256:${'7'.repeat(64)}`,
      receivedAt: '2025-01-16T01:54:34Z',
    });
    expect(scanRequestSchema.parse(request)).toEqual(request);
    expect(requestReference(request!)).toBe(
      `123456789012.dkr.ecr.us-west-2.amazonaws.com/team/my-api:1.4.0@sha256:${'7'.repeat(64)}`
    );
  });

  it('drops an empty tag (a child manifest pushed by digest) and ignores other actions', () => {
    const child = fromEcrEvent(
      ecrImageActionSchema.parse({
        ...ecrEvent,
        detail: { ...ecrEvent.detail, 'image-tag': '' },
      })
    );
    expect(child?.tag).toBeUndefined();
    expect(
      fromEcrEvent(
        ecrImageActionSchema.parse({
          ...ecrEvent,
          detail: { ...ecrEvent.detail, 'action-type': 'DELETE' },
        })
      )
    ).toBeUndefined();
    expect(
      fromEcrEvent(
        ecrImageActionSchema.parse({
          ...ecrEvent,
          detail: { ...ecrEvent.detail, result: 'FAILURE' },
        })
      )
    ).toBeUndefined();
  });

  it('knows the China partition host', () => {
    expect(ecrRegistryHost('123456789012', 'cn-north-1')).toBe(
      '123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn'
    );
  });
});

describe('expectedPlatformsFor', () => {
  const rules = [
    { pattern: 'prod/*', platforms: ['linux/amd64', 'linux/arm64'] },
    { pattern: 'legacy', platforms: ['linux/amd64'] },
    { pattern: '*', platforms: [] },
  ];
  it.each([
    ['prod/api', 'linux/amd64,linux/arm64'],
    ['prod/team/api', 'linux/amd64,linux/arm64'],
    ['legacy', 'linux/amd64'],
    ['legacy-two', undefined],
    ['dev/api', undefined],
  ])('%s expects %s', (repository, expected) => {
    expect(
      expectedPlatformsFor(repository, rules)?.map(formatPlatform).join(',')
    ).toBe(expected);
  });

  it('treats regex characters in patterns literally', () => {
    expect(
      expectedPlatformsFor('a+b', [
        { pattern: 'a+b', platforms: ['linux/amd64'] },
      ])
    ).toHaveLength(1);
    expect(
      expectedPlatformsFor('aab', [
        { pattern: 'a+b', platforms: ['linux/amd64'] },
      ])
    ).toBeUndefined();
  });
});

function report(
  over: Partial<ScanReport>,
  findings: Partial<Finding>[] = [],
  platforms = ['linux/amd64', 'linux/arm64']
): ScanReport {
  return {
    schemaVersion: 1,
    reference: 'r/app:1',
    digest: 'sha256:abc',
    mediaType: 'x',
    scannedAt: '2026-11-25T10:00:00.000Z',
    status: findings.some((f) => (f.severity ?? 'error') === 'error')
      ? 'fail'
      : 'pass',
    expectedPlatforms: platforms,
    platforms: platforms.map((platform) => ({
      platform,
      manifestDigest: 'm',
      config: { os: 'linux', architecture: 'x' },
      entrypoint: { command: [], resolvedPath: null },
      layers: [],
      binaries: { total: 0, byArchitecture: {} },
    })),
    skipped: [],
    warnings: [],
    stats: { bytesDownloaded: 0, bytesInflated: 0, durationMs: 1 },
    findings: findings.map(
      (f) =>
        ({
          kind: 'binary-arch-mismatch',
          severity: 'error',
          platform: 'linux/arm64',
          expected: 'linux/arm64',
          actual: 'linux/amd64',
          entrypoint: false,
          message: 'm',
          ...f,
        }) as Finding
    ),
    ...over,
  };
}

describe('toScanRecord and compareWithPrevious', () => {
  const identity = { registry: 'reg', repository: 'app', tag: '1' };

  it('summarizes counts, severity and platforms', () => {
    const record = toScanRecord(
      report({}, [
        { path: '/a' },
        { path: '/b', severity: 'warning', kind: 'isa-level-mismatch' },
      ]),
      identity
    );
    expect(record).toMatchObject({
      scanId: '2026-11-25T10:00:00.000Z#sha256:abc',
      status: 'fail',
      severity: 'error',
      tag: '1',
      counts: {
        error: 1,
        warning: 1,
        byKind: { 'binary-arch-mismatch': 1, 'isa-level-mismatch': 1 },
      },
      platforms: ['linux/amd64', 'linux/arm64'],
    });
    expect(record.regression).toBeUndefined();
  });

  it('reports a lost platform and a new error finding as a regression', () => {
    // Prepare
    const before = toScanRecord(
      report({ scannedAt: '2026-11-24T10:00:00.000Z' }, [{ path: '/old' }]),
      identity
    );
    const now = report(
      {},
      [
        { path: '/old' },
        { path: '/new' },
        { kind: 'missing-platform', platform: 'linux/arm64' },
      ],
      ['linux/amd64']
    );
    // Act
    const regression = compareWithPrevious(now, before);
    // Assess
    expect(regression).toEqual({
      lostPlatforms: ['linux/arm64'],
      newFindings: [
        { kind: 'binary-arch-mismatch', platform: 'linux/arm64', path: '/new' },
      ],
      previousScanId: before.scanId,
    });
  });

  it('sees no regression when nothing got worse, or when either scan is an error', () => {
    const before = toScanRecord(report({}, [{ path: '/a' }]), identity);
    expect(
      compareWithPrevious(report({}, [{ path: '/a' }]), before)
    ).toBeUndefined();
    expect(
      compareWithPrevious(report({ status: 'error' }, [], []), before)
    ).toBeUndefined();
  });
});
