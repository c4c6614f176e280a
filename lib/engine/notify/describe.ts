/**
 * The words every notification shares: how an image is named, what a scan's
 * outcome is called, one line per finding, what changed since the previous
 * scan, and what to do about each finding kind (DESIGN.md §Finding kinds).
 * Email, Slack and chat formats all build on these, so a person reads the
 * same sentence wherever the news reaches them.
 */
import type { FindingKind, ScanStatus, Severity } from '../findings/report.js';
import type { ScanRecord } from '../history/scan-record.js';

/**
 * What every formatter starts from: the scan record and, when known, where a
 * person reads the whole scan. (The `Notification` of the notifier port has
 * this shape; the engine does not import ports.)
 */
export interface NotifyInput {
  readonly record: ScanRecord;
  readonly historyUrl?: string;
}

/** The fields of a finding a notification shows (a subset of `Finding`). */
export interface FindingLine {
  readonly kind: FindingKind;
  readonly severity: Severity;
  readonly platform: string;
  readonly path?: string;
  readonly expected: string;
  readonly actual: string;
  readonly entrypoint: boolean;
}

/** The identity and verdict a headline needs. */
export interface Headline {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  readonly status: ScanStatus;
  readonly counts: { readonly error: number; readonly warning: number };
  readonly regressed: boolean;
}

/** What to do about each kind, in one sentence. */
export const ADVICE: Readonly<Record<FindingKind, string>> = Object.freeze({
  'missing-platform':
    'build and push every expected platform in one index, e.g. `docker buildx build --platform linux/amd64,linux/arm64 --push`',
  'config-mismatch':
    'rebuild the image so the config os/architecture/variant match the index entry (do not retag one platform as another)',
  'binary-arch-mismatch':
    'rebuild the binary for the platform (cross-compile or build on a native runner) instead of copying a prebuilt one',
  'foreign-os-binary':
    'remove the macOS/Windows/non-Linux file from the image, or install the Linux build of that tool',
  'float-abi-mismatch':
    'build with the toolchain matching the platform: arm/v7 images need hard-float (armhf), arm/v6 and arm/v5 soft-float (armel)',
  'libc-mismatch':
    'use a base image with the libc the binary was linked against (glibc vs musl), or link it statically',
  'isa-level-mismatch':
    'build for the baseline x86-64 level of the platform (e.g. -march=x86-64) or publish a matching amd64 variant',
});

/** The kinds in a stable order, for grouped advice. */
export const KIND_ORDER: readonly FindingKind[] = Object.freeze([
  'missing-platform',
  'config-mismatch',
  'binary-arch-mismatch',
  'libc-mismatch',
  'float-abi-mismatch',
  'foreign-os-binary',
  'isa-level-mismatch',
]);

/**
 * How a notification names the image: `repository:tag`, else
 * `repository@sha256:0123456789ab` (digest shortened), else the repository.
 *
 * @example imageLabel({ repository: 'team/my-api', tag: '1.4.0' }) // 'team/my-api:1.4.0'
 */
export function imageLabel(image: {
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}): string {
  if (image.tag) return `${image.repository}:${image.tag}`;
  if (image.digest) return `${image.repository}@${shortDigest(image.digest)}`;
  return image.repository;
}

/** `sha256:` and the first 12 hex digits: enough to tell images apart. */
export function shortDigest(digest: string): string {
  const colon = digest.indexOf(':');
  return colon < 0 ? digest.slice(0, 12) : digest.slice(0, colon + 13);
}

/** `3 errors`, `1 warning`, `3 errors, 1 warning`, or `no findings`. */
export function countText(counts: Headline['counts']): string {
  const parts: string[] = [];
  if (counts.error) parts.push(plural(counts.error, 'error'));
  if (counts.warning) parts.push(plural(counts.warning, 'warning'));
  return parts.length ? parts.join(', ') : 'no findings';
}

/** `1 error`, `2 errors`. */
export function plural(count: number, noun: string): string {
  return `${count} ${noun}${count === 1 ? '' : 's'}`;
}

/**
 * The outcome as a short phrase: `failed (3 errors)`, `regressed (1 error)`,
 * `could not be scanned`, `passed`.
 */
export function outcomeText(headline: Headline): string {
  if (headline.status === 'error') return 'could not be scanned';
  const counts = countText(headline.counts);
  if (headline.status === 'fail') {
    return `${headline.regressed ? 'failed and regressed' : 'failed'} (${counts})`;
  }
  return headline.regressed ? `regressed (${counts})` : 'passed';
}

/**
 * One finding in one line, without its platform (callers group by it):
 * `/usr/local/bin/app is linux/amd64, expected linux/arm64 (entrypoint)`.
 */
export function findingText(finding: FindingLine): string {
  const entry = finding.entrypoint ? ' (entrypoint)' : '';
  switch (finding.kind) {
    case 'missing-platform':
      return `${finding.expected} is not in the index`;
    case 'config-mismatch':
      return `the image config says ${finding.actual}, the index entry says ${finding.expected}`;
    case 'libc-mismatch':
      return `${finding.path ?? 'a binary'} needs ${finding.actual}, which is not in the image${entry}`;
    default:
      return `${finding.path ?? 'a binary'} is ${finding.actual}, expected ${finding.expected}${entry}`;
  }
}

/** What changed for the worse, as sentences (see `Regression`). */
export function regressionLines(regression: {
  readonly lostPlatforms: readonly string[];
  readonly newFindings: readonly {
    kind: string;
    platform: string;
    path?: string;
  }[];
}): string[] {
  const lines = regression.lostPlatforms.map(
    (platform) => `${platform} was in the previous scan and is gone`
  );
  for (const key of regression.newFindings) {
    const where = key.path ? `${key.platform} ${key.path}` : key.platform;
    lines.push(`new since the previous scan: ${key.kind} in ${where}`);
  }
  return lines;
}

/**
 * Findings grouped by platform (platforms in first-seen order), errors
 * before warnings and entrypoints first inside each group.
 */
export function groupByPlatform<T extends FindingLine>(
  findings: readonly T[]
): Map<string, T[]> {
  const groups = new Map<string, T[]>();
  for (const finding of findings) {
    const group = groups.get(finding.platform) ?? [];
    group.push(finding);
    groups.set(finding.platform, group);
  }
  for (const group of groups.values()) group.sort(byImportance);
  return groups;
}

/** Errors first, then entrypoints, otherwise stable. */
export function byImportance(a: FindingLine, b: FindingLine): number {
  if (a.severity !== b.severity) return a.severity === 'error' ? -1 : 1;
  return Number(b.entrypoint) - Number(a.entrypoint);
}

/** Cuts `text` to at most `max` characters, ending in `…` when cut. */
export function truncate(text: string, max: number): string {
  if (text.length <= max) return text;
  if (max <= 1) return '…'.slice(0, max);
  // Never split a surrogate pair: a lone half is invalid in JSON consumers.
  let end = max - 1;
  const code = text.charCodeAt(end - 1);
  if (code >= 0xd800 && code <= 0xdbff) end--;
  return `${text.slice(0, end)}…`;
}
