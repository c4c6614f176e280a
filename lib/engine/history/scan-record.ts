/**
 * What scan history keeps of one scan: identity (repository, tag, digest,
 * time), the verdict, counts for filtering, what changed since the previous
 * scan of the same repository and tag, and the full report.
 */
import type {
  Finding,
  FindingKind,
  ScanReport,
  ScanStatus,
  Severity,
} from '../findings/report.js';

/** A finding's identity across scans: the same kind on the same file of the same platform. */
export interface FindingKey {
  readonly kind: FindingKind;
  readonly platform: string;
  readonly path?: string;
}

/** What got worse since the previous scan of the same repository and tag. */
export interface Regression {
  /** Platforms the previous scan had that this one lacks. */
  readonly lostPlatforms: string[];
  /** Error findings this scan has that the previous one did not. */
  readonly newFindings: FindingKey[];
  /** The scan compared against. */
  readonly previousScanId: string;
}

/** The searchable summary of one scan (what lists and notifications need). */
export interface ScanSummary {
  /** Unique and time-ordered: `<scannedAt>#<digest or "unresolved">`. */
  readonly scanId: string;
  readonly registry: string;
  readonly repository: string;
  readonly tag?: string;
  /** Resolved top-level digest; absent when the scan failed before resolving. */
  readonly digest?: string;
  readonly reference: string;
  readonly scannedAt: string;
  readonly status: ScanStatus;
  readonly expectedPlatforms: string[];
  readonly platforms: string[];
  readonly counts: {
    readonly error: number;
    readonly warning: number;
    readonly byKind: Partial<Record<FindingKind, number>>;
  };
  /** Highest severity among findings, if any. */
  readonly severity?: Severity;
  readonly regression?: Regression;
  readonly error?: { code: string; message: string };
}

/** A stored scan: the summary plus the full report. */
export interface ScanRecord extends ScanSummary {
  readonly report: ScanReport;
}

/** The key a finding is compared by. */
export function findingKey(finding: Finding): FindingKey {
  return {
    kind: finding.kind,
    platform: finding.platform,
    ...(finding.path ? { path: finding.path } : {}),
  };
}
