/**
 * The compact JSON summary of a scan that travels in the SNS message
 * attribute `scan` (reference aws-notifications.md §1.1-1.2): machines and
 * the Slack and chat notifiers read it instead of the human text body. It is
 * capped at {@link SCAN_SUMMARY_MAX_BYTES}: long strings are cut, and
 * findings beyond what fits are dropped and counted in `omittedFindings`.
 */
import { z } from 'zod';
import { byImportance, type NotifyInput, truncate } from './describe.js';

/** Format version of the summary; readers reject others. */
export const SCAN_SUMMARY_VERSION = 1;

/**
 * 8 KB keeps the attribute small next to the 256 KB publish limit, which
 * counts attributes too, and leaves the human body most of the room.
 */
export const SCAN_SUMMARY_MAX_BYTES = 8_192;

// Caps on single strings and lists at full scale. Characters are not bytes
// (escapes and UTF-8 can multiply them), so the caps shrink until the
// summary without findings fits; see `buildBase`.
const CAPS = Object.freeze({
  text: 256,
  path: 256,
  url: 1_000,
  lost: 8,
  new: 5,
});
// Room kept free for at least one finding and the omitted count.
const RESERVE = 400;

const kind = z.enum([
  'missing-platform',
  'config-mismatch',
  'binary-arch-mismatch',
  'foreign-os-binary',
  'float-abi-mismatch',
  'libc-mismatch',
  'isa-level-mismatch',
]);

const findingSchema = z.object({
  kind,
  severity: z.enum(['error', 'warning']),
  platform: z.string(),
  path: z.string().optional(),
  expected: z.string(),
  actual: z.string(),
  entrypoint: z.boolean(),
});

/** The summary's schema, for readers of the `scan` attribute. */
export const scanSummarySchema = z.object({
  v: z.literal(SCAN_SUMMARY_VERSION),
  scanId: z.string(),
  reference: z.string(),
  registry: z.string(),
  repository: z.string(),
  tag: z.string().optional(),
  digest: z.string().optional(),
  scannedAt: z.string(),
  status: z.enum(['pass', 'fail', 'error']),
  severity: z.enum(['error', 'warning']).optional(),
  counts: z.object({
    error: z.number().int().min(0),
    warning: z.number().int().min(0),
    byKind: z.partialRecord(kind, z.number().int().min(0)),
  }),
  regression: z
    .object({
      lostPlatforms: z.array(z.string()),
      newFindings: z.array(
        z.object({ kind, platform: z.string(), path: z.string().optional() })
      ),
      newFindingsTotal: z.number().int().min(0),
      previousScanId: z.string(),
    })
    .optional(),
  error: z.object({ code: z.string(), message: z.string() }).optional(),
  findings: z.array(findingSchema),
  omittedFindings: z.number().int().min(0),
  historyUrl: z.string().optional(),
});

/** The compact summary of one scan (the `scan` attribute). */
export type ScanSummaryMessage = z.infer<typeof scanSummarySchema>;

/**
 * Builds the summary of a notification, keeping the most important findings
 * (errors, then entrypoints) that fit in `maxBytes` of UTF-8 JSON.
 *
 * @example
 * const text = JSON.stringify(buildScanSummary({ record, historyUrl }));
 */
export function buildScanSummary(
  notification: NotifyInput,
  maxBytes: number = SCAN_SUMMARY_MAX_BYTES
): ScanSummaryMessage {
  let scale = 1;
  let base = buildBase(notification, scale);
  while (
    scale > 1 / 64 &&
    byteLength(JSON.stringify(base)) > maxBytes - RESERVE
  ) {
    scale /= 2;
    base = buildBase(notification, scale);
  }
  const ordered = [...notification.record.report.findings].sort(byImportance);
  const cut = (text: string) => truncate(text, Math.ceil(CAPS.text * scale));
  const compacted = ordered.map((finding) => ({
    kind: finding.kind,
    severity: finding.severity,
    platform: cut(finding.platform),
    ...(finding.path
      ? { path: truncate(finding.path, Math.ceil(CAPS.path * scale)) }
      : {}),
    expected: cut(finding.expected),
    actual: cut(finding.actual),
    entrypoint: finding.entrypoint,
  }));
  const findings = fitFindings(base, compacted, maxBytes);
  return {
    ...base,
    findings,
    omittedFindings: ordered.length - findings.length,
  };
}

/** The summary without findings, with every cap multiplied by `scale`. */
function buildBase(
  notification: NotifyInput,
  scale: number
): ScanSummaryMessage {
  const { record } = notification;
  const cap = (n: number) => Math.max(1, Math.ceil(n * scale));
  const cut = (text: string) => truncate(text, cap(CAPS.text));
  const regression = record.regression;
  return {
    v: SCAN_SUMMARY_VERSION,
    scanId: cut(record.scanId),
    reference: cut(record.reference),
    registry: cut(record.registry),
    repository: cut(record.repository),
    ...(record.tag ? { tag: cut(record.tag) } : {}),
    ...(record.digest ? { digest: cut(record.digest) } : {}),
    scannedAt: cut(record.scannedAt),
    status: record.status,
    ...(record.severity ? { severity: record.severity } : {}),
    counts: {
      error: record.counts.error,
      warning: record.counts.warning,
      byKind: { ...record.counts.byKind },
    },
    ...(regression && {
      regression: {
        lostPlatforms: regression.lostPlatforms
          .slice(0, cap(CAPS.lost))
          .map(cut),
        newFindings: regression.newFindings
          .slice(0, cap(CAPS.new))
          .map((key) => ({
            kind: key.kind,
            platform: cut(key.platform),
            ...(key.path ? { path: truncate(key.path, cap(CAPS.path)) } : {}),
          })),
        newFindingsTotal: regression.newFindings.length,
        previousScanId: cut(regression.previousScanId),
      },
    }),
    ...(record.error && {
      error: {
        code: cut(record.error.code),
        message: cut(record.error.message),
      },
    }),
    findings: [],
    omittedFindings: 0,
    ...(notification.historyUrl && {
      historyUrl: truncate(notification.historyUrl, cap(CAPS.url)),
    }),
  };
}

/** Parses the `scan` attribute; a result union, since it is untrusted input. */
export function parseScanSummary(
  text: string
): { ok: true; summary: ScanSummaryMessage } | { ok: false; reason: string } {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, reason: 'the scan attribute is not JSON' };
  }
  const parsed = scanSummarySchema.safeParse(json);
  if (parsed.success) return { ok: true, summary: parsed.data };
  const where = parsed.error.issues
    .slice(0, 3)
    .map((issue) => `${issue.path.join('.') || '(root)'}: ${issue.message}`);
  return { ok: false, reason: `invalid scan summary: ${where.join('; ')}` };
}

/** UTF-8 length of `text`, as SNS counts it. */
export function byteLength(text: string): number {
  return new TextEncoder().encode(text).length;
}

type CompactFinding = ScanSummaryMessage['findings'][number];

/** The longest prefix of `findings` whose summary fits in `maxBytes`. */
function fitFindings(
  base: ScanSummaryMessage,
  findings: CompactFinding[],
  maxBytes: number
): CompactFinding[] {
  // The count is a number of at most a few digits; reserve room for it.
  let used = byteLength(JSON.stringify(base)) + 8;
  const kept: CompactFinding[] = [];
  for (const finding of findings) {
    const size = byteLength(JSON.stringify(finding)) + 1;
    if (used + size > maxBytes) break;
    kept.push(finding);
    used += size;
  }
  return kept;
}

/**
 * Whether a scan is worth telling people about at `minSeverity`
 * (NOTIFY_SEVERITY): errors of the scan itself and regressions always are;
 * otherwise only findings at or above the threshold.
 */
export function isNews(
  summary: Pick<ScanSummaryMessage, 'status' | 'severity' | 'regression'>,
  minSeverity: 'error' | 'warning'
): boolean {
  if (summary.status === 'error' || summary.regression) return true;
  if (summary.severity === 'error') return true;
  return summary.severity === 'warning' && minSeverity === 'warning';
}
