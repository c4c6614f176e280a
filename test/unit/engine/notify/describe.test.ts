import { describe, expect, it } from 'vitest';
import {
  countText,
  findingText,
  groupByPlatform,
  imageLabel,
  outcomeText,
  regressionLines,
  shortDigest,
  truncate,
} from '../../../../lib/engine/notify/describe.js';
import {
  binaryFinding,
  DIGEST,
  missingPlatform,
} from '../../../support/notify-records.js';

describe('imageLabel', () => {
  it.each([
    [{ repository: 'team/my-api', tag: '1.4.0' }, 'team/my-api:1.4.0'],
    [
      { repository: 'team/my-api', digest: DIGEST },
      'team/my-api@sha256:7f5b3c2a1d0e',
    ],
    [
      { repository: 'team/my-api', digest: 'abcdefabcdefabcdef' },
      'team/my-api@abcdefabcdef',
    ],
    [{ repository: 'team/my-api' }, 'team/my-api'],
  ])('%j → %s', (image, expected) => {
    expect(imageLabel(image)).toBe(expected);
  });

  it('shortens digests to the algorithm and 12 hex digits', () => {
    expect(shortDigest(DIGEST)).toBe('sha256:7f5b3c2a1d0e');
  });
});

describe('countText and outcomeText', () => {
  const head = {
    repository: 'r',
    status: 'fail' as const,
    regressed: false,
  };
  it.each([
    [{ error: 3, warning: 0 }, '3 errors'],
    [{ error: 1, warning: 1 }, '1 error, 1 warning'],
    [{ error: 0, warning: 2 }, '2 warnings'],
    [{ error: 0, warning: 0 }, 'no findings'],
  ])('counts %j → %s', (counts, expected) => {
    expect(countText(counts)).toBe(expected);
  });

  it.each([
    [{ ...head, counts: { error: 3, warning: 0 } }, 'failed (3 errors)'],
    [
      { ...head, regressed: true, counts: { error: 1, warning: 0 } },
      'failed and regressed (1 error)',
    ],
    [
      {
        ...head,
        status: 'pass' as const,
        regressed: true,
        counts: { error: 0, warning: 1 },
      },
      'regressed (1 warning)',
    ],
    [
      { ...head, status: 'pass' as const, counts: { error: 0, warning: 0 } },
      'passed',
    ],
    [
      { ...head, status: 'error' as const, counts: { error: 0, warning: 0 } },
      'could not be scanned',
    ],
  ])('%j → %s', (headline, expected) => {
    expect(outcomeText(headline)).toBe(expected);
  });
});

describe('findingText', () => {
  it.each([
    [
      binaryFinding(),
      '/usr/local/bin/app is linux/amd64, expected linux/arm64 (entrypoint)',
    ],
    [
      binaryFinding({ entrypoint: false, path: '/lib/x.so' }),
      '/lib/x.so is linux/amd64, expected linux/arm64',
    ],
    [missingPlatform('linux/arm/v7'), 'linux/arm/v7 is not in the index'],
    [
      binaryFinding({
        kind: 'config-mismatch',
        path: undefined,
        expected: 'linux/arm64',
        actual: 'linux/amd64',
      }),
      'the image config says linux/amd64, the index entry says linux/arm64',
    ],
    [
      binaryFinding({
        kind: 'libc-mismatch',
        actual: '/lib/ld-musl-aarch64.so.1',
        entrypoint: false,
      }),
      '/usr/local/bin/app needs /lib/ld-musl-aarch64.so.1, which is not in the image',
    ],
    [
      binaryFinding({
        kind: 'libc-mismatch',
        path: undefined,
        actual: 'x',
        entrypoint: false,
      }),
      'a binary needs x, which is not in the image',
    ],
    [
      binaryFinding({ path: undefined, entrypoint: false }),
      'a binary is linux/amd64, expected linux/arm64',
    ],
  ])('%#: %s', (finding, expected) => {
    expect(findingText(finding)).toBe(expected);
  });
});

describe('regressionLines', () => {
  it('says which platforms are gone and which findings are new', () => {
    // Act
    const lines = regressionLines({
      lostPlatforms: ['linux/arm64'],
      newFindings: [
        {
          kind: 'binary-arch-mismatch',
          platform: 'linux/amd64',
          path: '/bin/x',
        },
        { kind: 'config-mismatch', platform: 'linux/amd64' },
      ],
    });

    // Assess
    expect(lines).toEqual([
      'linux/arm64 was in the previous scan and is gone',
      'new since the previous scan: binary-arch-mismatch in linux/amd64 /bin/x',
      'new since the previous scan: config-mismatch in linux/amd64',
    ]);
  });
});

describe('groupByPlatform', () => {
  it('keeps platforms in first-seen order, errors and entrypoints first', () => {
    // Prepare
    const warning = binaryFinding({
      severity: 'warning',
      path: '/w',
      entrypoint: false,
    });
    const plain = binaryFinding({ path: '/p', entrypoint: false });
    const entry = binaryFinding({ path: '/e', entrypoint: true });
    const other = binaryFinding({ platform: 'linux/amd64', path: '/o' });

    // Act
    const groups = groupByPlatform([warning, other, plain, entry]);

    // Assess
    expect([...groups.keys()]).toEqual(['linux/arm64', 'linux/amd64']);
    expect(groups.get('linux/arm64')?.map((f) => f.path)).toEqual([
      '/e',
      '/p',
      '/w',
    ]);
  });
});

describe('truncate', () => {
  it.each([
    ['short', 10, 'short'],
    ['exactly10!', 10, 'exactly10!'],
    ['longer than ten', 10, 'longer th…'],
    ['abc', 1, '…'],
    ['abc', 0, ''],
    ['ab😀cd', 4, 'ab…'],
  ])('%s / %i → %s', (text, max, expected) => {
    expect(truncate(text, max)).toBe(expected);
  });
});
