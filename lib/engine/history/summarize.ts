/**
 * Turning a report into a scan record, and comparing it with the previous
 * scan of the same repository and tag (DESIGN.md: a platform or a clean
 * binary that was there and is gone is a regression).
 */
import type { ScanReport } from '../findings/report.js';
import {
  type FindingKey,
  findingKey,
  type Regression,
  type ScanRecord,
  type ScanSummary,
} from './scan-record.js';

export interface ScanIdentity {
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
}

/** The scan id: time-ordered, unique per digest and time. */
export function scanIdOf(report: ScanReport): string {
  return `${report.scannedAt}#${report.digest ?? 'unresolved'}`;
}

/** Builds the record of a finished scan. */
export function toScanRecord(
  report: ScanReport,
  identity: ScanIdentity,
  previous?: ScanSummary & { report?: ScanReport }
): ScanRecord {
  const byKind: Record<string, number> = {};
  let error = 0;
  let warning = 0;
  for (const finding of report.findings) {
    byKind[finding.kind] = (byKind[finding.kind] ?? 0) + 1;
    if (finding.severity === 'error') error++;
    else warning++;
  }
  const regression = previous
    ? compareWithPrevious(report, previous)
    : undefined;
  return {
    scanId: scanIdOf(report),
    registry: identity.registry,
    repository: identity.repository,
    ...(identity.tag ? { tag: identity.tag } : {}),
    ...(report.digest ? { digest: report.digest } : {}),
    reference: report.reference,
    scannedAt: report.scannedAt,
    status: report.status,
    expectedPlatforms: report.expectedPlatforms,
    platforms: report.platforms.map((p) => p.platform),
    counts: { error, warning, byKind },
    ...(error
      ? { severity: 'error' as const }
      : warning
        ? { severity: 'warning' as const }
        : {}),
    ...(regression ? { regression } : {}),
    ...(report.error ? { error: report.error } : {}),
    report,
  };
}

const keyText = (key: FindingKey) =>
  `${key.kind}\0${key.platform}\0${key.path ?? ''}`;

/**
 * What got worse since `previous`: platforms it had that `current` lacks,
 * and error findings `current` has that it did not. Undefined when nothing
 * did, or when either scan could not finish (an error is not a baseline).
 */
export function compareWithPrevious(
  current: ScanReport,
  previous: ScanSummary & { report?: ScanReport }
): Regression | undefined {
  if (current.status === 'error' || previous.status === 'error')
    return undefined;
  const now = new Set(current.platforms.map((p) => p.platform));
  const lostPlatforms = previous.platforms.filter((p) => !now.has(p));
  const before = new Set(
    (previous.report?.findings ?? []).map((f) => keyText(findingKey(f)))
  );
  const newFindings = previous.report
    ? current.findings
        .filter((f) => f.severity === 'error' && f.kind !== 'missing-platform')
        .map(findingKey)
        .filter((key) => !before.has(keyText(key)))
    : [];
  if (!lostPlatforms.length && !newFindings.length) return undefined;
  return { lostPlatforms, newFindings, previousScanId: previous.scanId };
}
