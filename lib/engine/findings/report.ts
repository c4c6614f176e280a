/**
 * The scan report (`schemaVersion: 1`), exactly as DESIGN.md §Report
 * describes it, and the findings it carries. Plain data: serializable as-is.
 */

export const REPORT_SCHEMA_VERSION = 1;

export type FindingKind =
  | 'missing-platform'
  | 'config-mismatch'
  | 'binary-arch-mismatch'
  | 'foreign-os-binary'
  | 'float-abi-mismatch'
  | 'libc-mismatch'
  | 'isa-level-mismatch';

export type Severity = 'error' | 'warning';

/** One problem found in an image. */
export interface Finding {
  readonly kind: FindingKind;
  readonly severity: Severity;
  /** The platform being judged, e.g. `linux/arm64`. */
  readonly platform: string;
  /** Absolute path inside the image (binary findings). */
  readonly path?: string;
  /** Digest of the layer the file comes from (binary findings). */
  readonly layer?: string;
  readonly expected: string;
  readonly actual: string;
  /** True when this file is what the container runs first, or its interpreter. */
  readonly entrypoint: boolean;
  /** One line a person understands. */
  readonly message: string;
}

export type ScanStatus = 'pass' | 'fail' | 'error';

export interface LayerReport {
  readonly digest: string;
  readonly mediaType: string;
  readonly size: number;
  readonly fromCache: boolean;
}

export interface PlatformReport {
  readonly platform: string;
  readonly manifestDigest: string;
  readonly config: { os: string; architecture: string; variant?: string };
  readonly entrypoint: { command: string[]; resolvedPath: string | null };
  readonly layers: LayerReport[];
  readonly binaries: { total: number; byArchitecture: Record<string, number> };
}

/** An index entry that is not a runnable image (attestation, artifact). */
export interface SkippedEntry {
  readonly digest: string;
  readonly mediaType: string;
  readonly reason: string;
}

export interface ScanReport {
  readonly schemaVersion: typeof REPORT_SCHEMA_VERSION;
  readonly reference: string;
  readonly digest: string | null;
  readonly mediaType: string | null;
  readonly scannedAt: string;
  readonly status: ScanStatus;
  readonly expectedPlatforms: string[];
  readonly platforms: PlatformReport[];
  readonly skipped: SkippedEntry[];
  readonly findings: Finding[];
  /** Recoverable oddities met while reading the image. */
  readonly warnings: string[];
  readonly stats: {
    bytesDownloaded: number;
    bytesInflated: number;
    durationMs: number;
  };
  readonly error?: { code: string; message: string };
}
