/**
 * The Amazon Q Developer in chat applications custom notification of a scan
 * (reference aws-notifications.md §2.3): `version` "1.0", `source` "custom",
 * client-markdown content, and metadata whose `threadId` keeps every scan of
 * one repository in one chat thread. It is published as the whole SNS body
 * to a dedicated chat topic, since a JSON body cannot also be the email text.
 * Field length limits are unverified, so every field is kept short.
 */
import {
  ADVICE,
  findingText,
  imageLabel,
  KIND_ORDER,
  outcomeText,
  plural,
  regressionLines,
  truncate,
} from './describe.js';
import type { ScanSummaryMessage } from './scan-summary.js';

/** What happened, for chat filtering and icons. */
export type ChatEventType = 'ScanFailed' | 'ScanRegressed' | 'ScanError';

/** The custom-notification document (§2.3). */
export interface ChatNotification {
  readonly version: '1.0';
  readonly source: 'custom';
  readonly id: string;
  readonly content: {
    readonly textType: 'client-markdown';
    readonly title: string;
    readonly description: string;
    readonly nextSteps: string[];
    readonly keywords: string[];
  };
  readonly metadata: {
    readonly threadId: string;
    readonly summary: string;
    readonly eventType: ChatEventType;
    readonly additionalContext: { readonly digest: string };
  };
}

// Short enough to read in a chat bubble; the full report is one link away.
const MAX_DESCRIPTION = 1_500;
const MAX_LINES = 5;

/**
 * The event type of a scan, or undefined when there is nothing to tell
 * (a pass that lost nothing).
 */
export function chatEventType(
  summary: ScanSummaryMessage
): ChatEventType | undefined {
  if (summary.status === 'error') return 'ScanError';
  if (summary.regression) return 'ScanRegressed';
  if (summary.status === 'fail') return 'ScanFailed';
  return undefined;
}

/**
 * Builds the chat notification of a scan, or undefined when the scan is not
 * news (see {@link chatEventType}).
 *
 * @example
 * const doc = buildChatNotification(summary);
 * if (doc) await sns.send(new PublishCommand({ TopicArn, Message: JSON.stringify(doc) }));
 */
export function buildChatNotification(
  summary: ScanSummaryMessage
): ChatNotification | undefined {
  const eventType = chatEventType(summary);
  if (!eventType) return undefined;
  const label = imageLabel(summary);
  const outcome = outcomeText({
    ...summary,
    regressed: summary.regression !== undefined,
  });
  const headline = truncate(`archscan: ${label} ${outcome}`, 250);
  const icon = eventType === 'ScanError' ? ':x:' : ':warning:';
  return {
    version: '1.0',
    source: 'custom',
    id: truncate(summary.scanId, 200),
    content: {
      textType: 'client-markdown',
      title: `${icon} ${headline}`,
      description: truncate(description(summary), MAX_DESCRIPTION),
      nextSteps: nextSteps(summary),
      keywords: keywords(summary),
    },
    metadata: {
      threadId: truncate(`${summary.registry}/${summary.repository}`, 250),
      summary: headline,
      eventType,
      additionalContext: { digest: summary.digest ?? 'unresolved' },
    },
  };
}

function description(summary: ScanSummaryMessage): string {
  const lines: string[] = [];
  if (summary.error) {
    lines.push(
      `Scan error \`${summary.error.code}\`: ${summary.error.message}`
    );
  }
  if (summary.regression) {
    lines.push(...regressionLines(summary.regression).slice(0, MAX_LINES));
  }
  const shown = summary.findings.slice(0, MAX_LINES);
  for (const finding of shown) {
    lines.push(`\`${finding.platform}\` ${findingText(finding)}`);
  }
  const more = summary.findings.length - shown.length + summary.omittedFindings;
  if (more > 0) lines.push(`…and ${plural(more, 'more finding')}`);
  return lines.map((line) => truncate(line, 300)).join('\n');
}

function nextSteps(summary: ScanSummaryMessage): string[] {
  const steps = KIND_ORDER.filter(
    (kind) => (summary.counts.byKind[kind] ?? 0) > 0
  ).map((kind) => `${kind}: ${ADVICE[kind]}`);
  if (summary.status === 'error') {
    steps.push('Check that the image exists and archscan may pull it');
  }
  if (summary.historyUrl) {
    steps.push(`See the full report: ${truncate(summary.historyUrl, 1_000)}`);
  }
  return steps;
}

function keywords(summary: ScanSummaryMessage): string[] {
  const kinds = KIND_ORDER.filter(
    (kind) => (summary.counts.byKind[kind] ?? 0) > 0
  );
  return [truncate(summary.repository, 100), ...kinds];
}
