import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../lib/engine/errors.js';
import { compareArch } from '../../../../lib/engine/platform/compare.js';
import {
  formatPlatform,
  normalizePlatform,
  parsePlatform,
  parsePlatformList,
  satisfiesExpected,
} from '../../../../lib/engine/platform/platform.js';

describe('normalizePlatform', () => {
  it.each([
    ['linux/amd64', 'linux/amd64'],
    ['linux/x86_64', 'linux/amd64'],
    ['linux/amd64/v1', 'linux/amd64'],
    ['linux/amd64/v3', 'linux/amd64/v3'],
    ['linux/aarch64', 'linux/arm64'],
    ['linux/arm64/v8', 'linux/arm64'],
    ['linux/arm64/9', 'linux/arm64/v9'],
    ['linux/arm', 'linux/arm/v7'],
    ['linux/arm/7', 'linux/arm/v7'],
    ['linux/arm/5', 'linux/arm/v5'],
    ['linux/armhf', 'linux/arm/v7'],
    ['linux/armel', 'linux/arm/v6'],
    ['linux/i386', 'linux/386'],
    ['macos/arm64', 'darwin/arm64'],
    ['Linux/PPC64LE', 'linux/ppc64le'],
  ])('%s normalizes to %s', (input, expected) => {
    // Act
    const platform = parsePlatform(input);
    // Assess
    expect(formatPlatform(platform)).toBe(expected);
  });

  it('is idempotent for any platform it produces', () => {
    fc.assert(
      fc.property(
        fc.constantFrom('linux', 'windows', 'darwin'),
        fc.constantFrom(
          'amd64',
          'x86_64',
          'arm',
          'arm64',
          'aarch64',
          '386',
          'i386',
          's390x',
          'riscv64'
        ),
        fc.option(
          fc.constantFrom('v5', 'v6', 'v7', 'v8', '8', 'v1', 'v2', 'v3', '9'),
          { nil: undefined }
        ),
        (os, architecture, variant) => {
          const once = normalizePlatform({ os, architecture, variant });
          expect(normalizePlatform(once)).toEqual(once);
        }
      )
    );
  });
});

describe('parsePlatform', () => {
  it.each(['linux', 'linux/', '/amd64', 'a/b/c/d', ''])(
    'refuses %j with a ConfigError',
    (input) => {
      expect(() => parsePlatform(input)).toThrow(ConfigError);
    }
  );

  it('parses a list, dropping duplicates and blanks', () => {
    // Act
    const list = parsePlatformList('linux/amd64, linux/arm64,,linux/x86_64');
    // Assess
    expect(list.map(formatPlatform)).toEqual(['linux/amd64', 'linux/arm64']);
  });
});

describe('satisfiesExpected', () => {
  it.each([
    ['linux/arm64/v8', 'linux/arm64', true],
    ['linux/arm64/v9', 'linux/arm64', true],
    ['linux/arm64', 'linux/arm64/v9', false],
    ['linux/amd64/v3', 'linux/amd64', true],
    ['linux/amd64', 'linux/amd64/v3', false],
    ['linux/arm/v6', 'linux/arm/v7', false],
    ['linux/arm/v7', 'linux/arm', true],
    ['linux/amd64', 'linux/arm64', false],
    ['windows/amd64', 'linux/amd64', false],
  ])('%s satisfies %s: %s', (present, expected, result) => {
    expect(
      satisfiesExpected(parsePlatform(present), parsePlatform(expected))
    ).toBe(result);
  });
});

describe('compareArch', () => {
  it.each([
    ['linux/amd64', 'amd64', undefined, 'native'],
    ['linux/amd64', '386', undefined, 'compatible'],
    ['linux/arm64', 'arm', 'v7', 'compatible'],
    ['linux/arm64', 'amd64', undefined, 'foreign'],
    ['linux/arm/v7', 'arm', 'v5', 'native'],
    ['linux/arm/v6', 'arm', 'v7', 'foreign'],
    ['linux/arm/v7', 'arm', undefined, 'native'],
    ['linux/386', 'amd64', undefined, 'foreign'],
    ['linux/s390x', 's390x', undefined, 'native'],
  ] as const)('%s running %s/%s is %s', (platform, arch, variant, verdict) => {
    expect(compareArch(parsePlatform(platform), arch, variant)).toBe(verdict);
  });
});
