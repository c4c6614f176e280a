/**
 * Platforms (`os/architecture[/variant]`) in the OCI/containerd normal form.
 * Parsing and normalization follow containerd/platforms `database.go` and
 * `platforms.go`; see reference/oci-and-registries.md §3.
 */
import { ConfigError } from '../errors.js';

/** An OCI platform. `variant` is omitted when it is the default. */
export interface Platform {
  readonly os: string;
  readonly architecture: string;
  readonly variant?: string;
}

const ARCH_ALIASES: Readonly<Record<string, string>> = {
  i386: '386',
  i686: '386',
  x86_64: 'amd64',
  'x86-64': 'amd64',
  aarch64: 'arm64',
  armhf: 'arm',
  armel: 'arm',
};

const OS_ALIASES: Readonly<Record<string, string>> = { macos: 'darwin' };

/**
 * Normalizes a platform as containerd does: aliases folded, default variants
 * dropped (`amd64/v1`, `arm64/v8`), `arm` without a variant becomes `arm/v7`.
 *
 * @example normalizePlatform({ os: 'linux', architecture: 'aarch64', variant: 'v8' })
 *   // { os: 'linux', architecture: 'arm64' }
 */
export function normalizePlatform(input: {
  os?: string;
  architecture?: string;
  variant?: string | undefined;
}): Platform {
  const rawArch = (input.architecture ?? '').toLowerCase();
  const os =
    OS_ALIASES[(input.os ?? '').toLowerCase()] ??
    (input.os ?? '').toLowerCase();
  let architecture = ARCH_ALIASES[rawArch] ?? rawArch;
  let variant: string | undefined = input.variant?.toLowerCase() || undefined;
  if (rawArch === 'armhf') variant = 'v7';
  if (rawArch === 'armel') variant = 'v6';
  switch (architecture) {
    case '386':
      variant = undefined;
      break;
    case 'amd64':
      if (variant === 'v1') variant = undefined;
      break;
    case 'arm64':
      if (variant === '8' || variant === 'v8' || variant === 'v8.0') {
        variant = undefined;
      } else if (variant === '9' || variant === '9.0' || variant === 'v9.0') {
        variant = 'v9';
      } else if (variant && /^\d/.test(variant)) {
        variant = `v${variant}`;
      }
      break;
    case 'arm':
      if (!variant || variant === '7') variant = 'v7';
      else if (/^[5-8]$/.test(variant)) variant = `v${variant}`;
      break;
    default:
      architecture = architecture || 'unknown';
  }
  return variant ? { os, architecture, variant } : { os, architecture };
}

/**
 * Parses a platform specifier such as `linux/arm/v7` or `linux/amd64`.
 *
 * @throws ConfigError naming the specifier when it is not `os/arch[/variant]`.
 */
export function parsePlatform(specifier: string): Platform {
  const parts = specifier.trim().split('/');
  if (parts.length < 2 || parts.length > 3 || parts.some((p) => !p)) {
    throw new ConfigError(
      `invalid platform ${JSON.stringify(specifier)}: expected os/arch[/variant], e.g. linux/arm64`
    );
  }
  const [os, architecture, variant] = parts;
  return normalizePlatform({ os, architecture, variant });
}

/** Parses a comma-separated platform list, dropping duplicates. */
export function parsePlatformList(text: string): Platform[] {
  const seen = new Map<string, Platform>();
  for (const item of text.split(',')) {
    if (!item.trim()) continue;
    const platform = parsePlatform(item);
    seen.set(formatPlatform(platform), platform);
  }
  return [...seen.values()];
}

/** Formats a platform as `os/arch[/variant]`. */
export function formatPlatform(platform: Platform): string {
  const base = `${platform.os}/${platform.architecture}`;
  return platform.variant ? `${base}/${platform.variant}` : base;
}

/** True when both platforms normalize to the same thing. */
export function samePlatform(a: Platform, b: Platform): boolean {
  return (
    formatPlatform(normalizePlatform(a)) ===
    formatPlatform(normalizePlatform(b))
  );
}

/**
 * True when `present` satisfies the `expected` platform of a repository
 * policy: same os and architecture, and the same variant unless the
 * expectation names none (`linux/arm64` is satisfied by `linux/arm64/v8`
 * and by `linux/arm64/v9`).
 */
export function satisfiesExpected(
  present: Platform,
  expected: Platform
): boolean {
  const p = normalizePlatform(present);
  const e = normalizePlatform(expected);
  if (p.os !== e.os || p.architecture !== e.architecture) return false;
  if (e.architecture === 'arm') return p.variant === e.variant;
  return e.variant === undefined || p.variant === e.variant;
}
