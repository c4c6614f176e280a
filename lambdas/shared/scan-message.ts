/**
 * Reading a findings-topic message in a Lambda subscriber (reference
 * aws-notifications.md §1.2-1.3): the event arrives as `Records[].Sns`, and
 * the compact scan summary is in the `scan` message attribute. Lambda sees
 * String.Array attributes as `Type: "String"`, so only the value is read.
 */
import type { SnsSchema } from '@aws-lambda-powertools/parser/schemas';
import type { z } from 'zod';
import { FormatError } from '../../lib/engine/errors.js';
import { ATTRIBUTE } from '../../lib/engine/notify/attributes.js';
import {
  parseScanSummary,
  type ScanSummaryMessage,
} from '../../lib/engine/notify/scan-summary.js';

/** An SNS event as the Powertools `SnsSchema` parses it. */
export type SnsEvent = z.infer<typeof SnsSchema>;

/** One SNS record's notification. */
export type SnsNotification = SnsEvent['Records'][number]['Sns'];

/**
 * The scan summary of a findings message, or undefined when the message is
 * not from archscan (no `scan` attribute, e.g. a test publish).
 *
 * @throws FormatError when the `scan` attribute is present but malformed.
 */
export function readScanSummary(
  sns: SnsNotification
): ScanSummaryMessage | undefined {
  const attribute = sns.MessageAttributes?.[ATTRIBUTE.scan];
  if (!attribute) return undefined;
  const parsed = parseScanSummary(attribute.Value);
  if (!parsed.ok) {
    throw new FormatError(
      `sns message ${sns.MessageId} has an unreadable scan attribute: ${parsed.reason}`
    );
  }
  return parsed.summary;
}
