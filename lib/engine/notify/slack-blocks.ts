/**
 * The Slack Block Kit message of a scan (reference aws-notifications.md
 * §2.1 mrkdwn escaping, §2.2 Block Kit limits), built from the `scan`
 * summary attribute so the Slack notifier needs nothing but the SNS message.
 * Every piece of user text (image names, paths, messages) is escaped, and
 * every limit is enforced here rather than trusted to the caller.
 */
import {
  byImportance,
  findingText,
  imageLabel,
  outcomeText,
  plural,
  regressionLines,
  truncate,
} from './describe.js';
import type { ScanSummaryMessage } from './scan-summary.js';

/** Block Kit limits (§2.2). */
export const SLACK_LIMITS = Object.freeze({
  blocks: 50,
  headerText: 150,
  sectionText: 3_000,
  fieldText: 2_000,
  fields: 10,
  // Slack reportedly answers `msg_blocks_too_long` near 13k characters of
  // block text (§2.2, unverified); stop listing findings well before that.
  totalText: 10_000,
});

/** A Block Kit text object. */
export interface SlackText {
  readonly type: 'plain_text' | 'mrkdwn';
  readonly text: string;
}

/** The blocks archscan sends. */
export type SlackBlock =
  | { readonly type: 'header'; readonly text: SlackText }
  | { readonly type: 'section'; readonly text: SlackText }
  | { readonly type: 'section'; readonly fields: SlackText[] }
  | { readonly type: 'context'; readonly elements: SlackText[] };

/** An incoming-webhook payload: fallback text plus blocks (§2.1). */
export interface SlackMessage {
  readonly text: string;
  readonly blocks: SlackBlock[];
}

/** Slack options. */
export interface SlackMessageOptions {
  /** Findings listed one per line before "n more" (MAX_SLACK_FINDINGS). */
  readonly maxFindings: number;
}

/** Escapes `&`, `<` and `>` in user text (§2.1). */
export function escapeMrkdwn(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;');
}

/**
 * Builds the webhook payload of a scan.
 *
 * @example
 * const message = buildSlackMessage(summary, { maxFindings: 10 });
 * await webhook.post(message);
 */
export function buildSlackMessage(
  summary: ScanSummaryMessage,
  options: SlackMessageOptions
): SlackMessage {
  const headline = {
    repository: summary.repository,
    ...(summary.tag ? { tag: summary.tag } : {}),
    ...(summary.digest ? { digest: summary.digest } : {}),
    status: summary.status,
    counts: summary.counts,
    regressed: summary.regression !== undefined,
  };
  const title = `${imageLabel(headline)} ${outcomeText(headline)}`;
  const top: SlackBlock[] = [
    header(title),
    { type: 'section', fields: fields(summary) },
    ...regressionBlock(summary),
    ...errorBlock(summary),
  ];
  const bottom = [contextBlock(summary)];
  const room = SLACK_LIMITS.blocks - top.length - bottom.length - 1;
  const listed = findingBlocks(summary, Math.min(options.maxFindings, room));
  return {
    text: escapeMrkdwn(truncate(`archscan: ${title}`, 300)),
    blocks: [...top, ...listed, ...bottom],
  };
}

function header(text: string): SlackBlock {
  return {
    type: 'header',
    text: { type: 'plain_text', text: truncate(text, SLACK_LIMITS.headerText) },
  };
}

function mrkdwn(text: string, max: number = SLACK_LIMITS.sectionText) {
  return { type: 'mrkdwn' as const, text: cutEscaped(text, max) };
}

function section(text: string): SlackBlock {
  return { type: 'section', text: mrkdwn(text) };
}

function fields(summary: ScanSummaryMessage): SlackText[] {
  const code = (text: string) => `\`${escapeMrkdwn(truncate(text, 400))}\``;
  const list: SlackText[] = [
    mrkdwn(`*Image*\n${code(summary.reference)}`, SLACK_LIMITS.fieldText),
    mrkdwn(
      `*Digest*\n${summary.digest ? code(summary.digest) : '_not resolved_'}`,
      SLACK_LIMITS.fieldText
    ),
  ];
  const missing = summary.findings
    .filter((finding) => finding.kind === 'missing-platform')
    .map((finding) => finding.expected);
  if (missing.length) {
    const text = escapeMrkdwn(truncate(missing.join(', '), 400));
    list.push(mrkdwn(`*Missing*\n${text}`, SLACK_LIMITS.fieldText));
  }
  return list;
}

function regressionBlock(summary: ScanSummaryMessage): SlackBlock[] {
  if (!summary.regression) return [];
  const lines = regressionLines(summary.regression).map(
    (line) => `• ${escapeMrkdwn(truncate(line, 300))}`
  );
  const hidden =
    summary.regression.newFindingsTotal - summary.regression.newFindings.length;
  if (hidden > 0) lines.push(`• …and ${plural(hidden, 'more new finding')}`);
  return [section(`*Worse than the previous scan*\n${lines.join('\n')}`)];
}

function errorBlock(summary: ScanSummaryMessage): SlackBlock[] {
  if (!summary.error) return [];
  const { code, message } = summary.error;
  return [
    section(`*Scan error* \`${escapeMrkdwn(code)}\`: ${escapeMrkdwn(message)}`),
  ];
}

function findingBlocks(summary: ScanSummaryMessage, max: number): SlackBlock[] {
  const blocks: SlackBlock[] = [];
  let total = 0;
  const findings = [...summary.findings].sort(byImportance);
  for (const finding of findings) {
    const line =
      `*${finding.kind}* \`${escapeMrkdwn(finding.platform)}\` ` +
      `${escapeMrkdwn(truncate(findingText(finding), 250))}` +
      (finding.severity === 'warning' ? ' _(warning)_' : '');
    if (blocks.length >= max || total + line.length > SLACK_LIMITS.totalText)
      break;
    blocks.push(section(line));
    total += line.length;
  }
  const more = findings.length - blocks.length + summary.omittedFindings;
  if (more > 0) {
    blocks.push(section(`…and ${plural(more, 'more finding')}`));
  }
  return blocks;
}

function contextBlock(summary: ScanSummaryMessage): SlackBlock {
  const parts = [
    `scanned ${escapeMrkdwn(truncate(summary.scannedAt, 40))}`,
    `scan \`${escapeMrkdwn(truncate(summary.scanId, 200))}\``,
  ];
  const link = summary.historyUrl && linkTo(summary.historyUrl, 'full report');
  if (link) parts.push(link);
  return { type: 'context', elements: [mrkdwn(parts.join(' · '))] };
}

/** A `<url|label>` link, only for http(s) URLs, with the URL made safe. */
function linkTo(url: string, label: string): string | undefined {
  if (!/^https?:\/\/[^\s]+$/.test(url)) return undefined;
  const safe = escapeMrkdwn(url).replace(/\|/g, '%7C');
  return `<${safe}|${label}>`;
}

/** Truncates escaped text without splitting an `&amp;`-style entity. */
function cutEscaped(text: string, max: number): string {
  if (text.length <= max) return text;
  return truncate(text, max).replace(/&[a-z]{0,3}…$/, '…');
}
