/**
 * Which binaries a platform can run, after containerd/platforms `compare.go`:
 * `amd64` also runs `386`, `arm64` also runs 32-bit `arm` (v8 and below), and
 * `arm/vN` runs lower `arm` variants. A binary that runs only through such a
 * compatibility mode is judged a warning, not an error (DESIGN.md).
 */
import type { Platform } from './platform.js';

/** How a binary's architecture relates to the platform it is judged against. */
export type ArchVerdict = 'native' | 'compatible' | 'foreign';

function armLevel(variant: string | undefined): number {
  const match = /^v(\d)/.exec(variant ?? 'v7');
  return match ? Number(match[1]) : 7;
}

/**
 * Compares a binary's architecture (and variant, when known) with the
 * platform's. An unknown binary variant is never held against it.
 *
 * @example compareArch({ os:'linux', architecture:'amd64' }, '386') // 'compatible'
 */
export function compareArch(
  platform: Platform,
  architecture: string,
  variant?: string
): ArchVerdict {
  const target = platform.architecture;
  if (architecture === target) {
    if (target !== 'arm' || variant === undefined) return 'native';
    return armLevel(variant) <= armLevel(platform.variant)
      ? 'native'
      : 'foreign';
  }
  if (target === 'amd64' && architecture === '386') return 'compatible';
  if (target === 'arm64' && architecture === 'arm') {
    return variant === undefined || armLevel(variant) <= 8
      ? 'compatible'
      : 'foreign';
  }
  return 'foreign';
}
