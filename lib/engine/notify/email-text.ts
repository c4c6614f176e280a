/**
 * The subject and plain-text body of the findings message: what an email
 * subscriber reads (reference aws-notifications.md §1.1 Subject rules, §1.3
 * email delivery). SNS sends the body as-is with its own footer, so it is
 * laid out for a fixed-width reading: identity first, then what got worse,
 * the findings grouped by platform, what to do per kind, and the link.
 */
import {
  ADVICE,
  countText,
  findingText,
  groupByPlatform,
  type Headline,
  imageLabel,
  KIND_ORDER,
  type NotifyInput,
  outcomeText,
  plural,
  regressionLines,
  truncate,
} from './describe.js';
import { byteLength } from './scan-summary.js';

/** Limits of the email text. */
export interface EmailTextOptions {
  /** Findings listed before "… and N more". */
  readonly maxFindings?: number;
  /** Upper bound of the body in UTF-8 bytes. */
  readonly maxBodyBytes?: number;
}

/** The subject and body of one findings message. */
export interface EmailText {
  readonly subject: string;
  readonly body: string;
}

// A hundred findings is more than anyone reads in a mail; the report has all.
const DEFAULT_MAX_FINDINGS = 100;
// 64 KB leaves room under SNS's 256 KB for the attributes and any growth.
const DEFAULT_MAX_BODY_BYTES = 65_536;
// SNS: subjects must be under 100 characters.
const MAX_SUBJECT = 99;
const MAX_PATH = 300;
const MAX_MESSAGE = 500;
// The findings below repeat every new finding; the list only needs a taste.
const MAX_REGRESSION_LINES = 20;

/**
 * Formats the subject and body of a scan's message.
 *
 * @example
 * const { subject, body } = formatEmail({ record, historyUrl });
 * // subject: 'archscan: team/my-api:1.4.0 failed (3 errors)'
 */
export function formatEmail(
  input: NotifyInput,
  options: EmailTextOptions = {}
): EmailText {
  const maxFindings = options.maxFindings ?? DEFAULT_MAX_FINDINGS;
  const maxBytes = options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES;
  const { record } = input;
  const headline = headlineOf(record);
  const footer = input.historyUrl
    ? ['', `Full report: ${input.historyUrl}`]
    : [];
  const head = [...introLines(input), ...regressionBlock(record)];
  const findings = [...record.report.findings];
  const tail = [...adviceBlock(findings), ...footer];
  const budget = maxBytes - byteLength([...head, ...tail].join('\n')) - 100;
  const listed = findingLines(findings, maxFindings, budget);
  const body = [...head, ...listed, ...tail].join('\n');
  return {
    subject: formatSubject(headline),
    body: byteLength(body) > maxBytes ? cutBytes(body, maxBytes) : body,
  };
}

/**
 * The mail subject: ASCII only, no line breaks, under 100 characters,
 * starting with a letter, as SNS requires.
 *
 * @example formatSubject(headline) // 'archscan: team/my-api:1.4.0 failed (3 errors)'
 */
export function formatSubject(headline: Headline): string {
  const outcome = asciiLine(outcomeText(headline));
  const room = MAX_SUBJECT - 'archscan: '.length - outcome.length - 1;
  const label = truncateAscii(asciiLine(imageLabel(headline)), room);
  return truncateAscii(`archscan: ${label} ${outcome}`, MAX_SUBJECT);
}

/** The headline fields of a record. */
export function headlineOf(record: NotifyInput['record']): Headline {
  return {
    repository: record.repository,
    ...(record.tag ? { tag: record.tag } : {}),
    ...(record.digest ? { digest: record.digest } : {}),
    status: record.status,
    counts: record.counts,
    regressed: record.regression !== undefined,
  };
}

/** Replaces every non-printable-ASCII run with `?` and whitespace with a space. */
export function asciiLine(text: string): string {
  return text
    .replace(/\s+/g, ' ')
    .replace(/[^\x20-\x7e]+/g, '?')
    .trim();
}

function truncateAscii(text: string, max: number): string {
  if (text.length <= max) return text;
  return `${text.slice(0, Math.max(0, max - 3))}...`;
}

function introLines(input: NotifyInput): string[] {
  const { record } = input;
  const label = imageLabel(record);
  const what =
    record.status === 'error'
      ? `archscan could not scan ${label}.`
      : `archscan found ${countText(record.counts)} in ${label}.`;
  const lines = [what, '', `Image:    ${record.registry}/${label}`];
  lines.push(`Digest:   ${record.digest ?? '(not resolved)'}`);
  lines.push(`Status:   ${record.status}`);
  lines.push(`Scanned:  ${record.scannedAt}`);
  lines.push(`Scan id:  ${record.scanId}`);
  if (record.expectedPlatforms.length) {
    lines.push(`Expected: ${record.expectedPlatforms.join(', ')}`);
  }
  if (record.error) {
    lines.push(
      '',
      `Error (${record.error.code}): ${truncate(record.error.message, 1_000)}`
    );
  }
  return lines;
}

function regressionBlock(record: NotifyInput['record']): string[] {
  if (!record.regression) return [];
  const lines = regressionLines(record.regression);
  const shown = lines
    .slice(0, MAX_REGRESSION_LINES)
    .map((line) => `  - ${truncate(line, MAX_MESSAGE)}`);
  const hidden = lines.length - shown.length;
  return [
    '',
    `Worse than the previous scan (${record.regression.previousScanId}):`,
    ...shown,
    ...(hidden > 0 ? [`  - … and ${plural(hidden, 'more change')}`] : []),
  ];
}

function findingLines(
  findings: NotifyInput['record']['report']['findings'],
  maxFindings: number,
  budget: number
): string[] {
  const lines: string[] = [];
  let shown = 0;
  let used = 0;
  for (const [platform, group] of groupByPlatform(findings)) {
    const title = ['', `${platform}:`];
    for (const finding of group) {
      const text = findingText({ ...finding, path: cutPath(finding.path) });
      // The scanner's own sentence, unless it only repeats ours.
      const said = finding.message === text ? [] : [finding.message];
      const entry = [
        `  [${finding.severity}] ${finding.kind}: ${text}`,
        ...(finding.layer ? [`      layer ${finding.layer}`] : []),
        ...said.map((message) => `      ${truncate(message, MAX_MESSAGE)}`),
      ];
      const size = byteLength([...title, ...entry].join('\n')) + 1;
      if (shown >= maxFindings || used + size > budget) {
        return [...lines, '', moreLine(findings.length - shown)];
      }
      lines.push(...title.splice(0), ...entry);
      used += size;
      shown++;
    }
  }
  return lines;
}

function moreLine(count: number): string {
  return `… and ${plural(count, 'more finding')} (see the full report)`;
}

function adviceBlock(findings: readonly { kind: string }[]): string[] {
  const kinds = KIND_ORDER.filter((kind) =>
    findings.some((finding) => finding.kind === kind)
  );
  if (!kinds.length) return [];
  return ['', 'What to do:', ...kinds.map((k) => `  - ${k}: ${ADVICE[k]}`)];
}

function cutPath(path: string | undefined): string | undefined {
  return path === undefined ? undefined : truncate(path, MAX_PATH);
}

/** Cuts `text` to `maxBytes` UTF-8 bytes on a character boundary. */
function cutBytes(text: string, maxBytes: number): string {
  const bytes = new TextEncoder().encode(text).subarray(0, maxBytes - 3);
  return `${new TextDecoder().decode(bytes).replace(/\uFFFD$/, '')}…`;
}
