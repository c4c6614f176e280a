/**
 * Platform-level judgements: expected platforms missing from an index
 * (`missing-platform`), and an index entry whose config says otherwise
 * (`config-mismatch`). Rules from DESIGN.md: platforms present but not
 * expected are fine; `arm64/v8` satisfies `arm64`.
 */
import {
  formatPlatform,
  normalizePlatform,
  type Platform,
  satisfiesExpected,
} from '../platform/platform.js';
import type { Finding } from './report.js';

/** One `missing-platform` finding per expected platform nothing satisfies. */
export function judgePlatforms(
  expected: readonly Platform[],
  present: readonly Platform[],
  singlePlatform: boolean
): Finding[] {
  const have = present.map(formatPlatform).join(', ') || 'none';
  return expected
    .filter((want) => !present.some((p) => satisfiesExpected(p, want)))
    .map((want) => {
      const name = formatPlatform(want);
      return {
        kind: 'missing-platform' as const,
        severity: 'error' as const,
        platform: name,
        expected: name,
        actual: have,
        entrypoint: false,
        message: singlePlatform
          ? `the image is single-platform ${have}, not ${name}: publish a multi-platform index that includes ${name}`
          : `the index has no ${name} image (it has ${have}): nodes of that platform cannot pull it`,
      };
    });
}

/** A `config-mismatch` finding when the config's platform differs from the index entry's. */
export function judgeConfig(
  declared: Platform,
  config: Platform
): Finding | undefined {
  const d = normalizePlatform(declared);
  const c = normalizePlatform(config);
  const variantsDiffer =
    d.variant !== undefined &&
    c.variant !== undefined &&
    d.variant !== c.variant;
  if (d.os === c.os && d.architecture === c.architecture && !variantsDiffer)
    return undefined;
  const expected = formatPlatform(d);
  const actual = formatPlatform(c);
  return {
    kind: 'config-mismatch',
    severity: 'error',
    platform: expected,
    expected,
    actual,
    entrypoint: false,
    message: `the index lists this image as ${expected} but its config says ${actual}: it was probably built or tagged for the wrong platform`,
  };
}
