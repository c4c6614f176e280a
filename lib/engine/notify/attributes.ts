/**
 * SNS message attributes of a findings message (reference
 * aws-notifications.md §1.2). Subscribers filter on them, so they are
 * published with plain-string messages (SNS delivers attributes only when
 * the message structure is String, §1.1). Nine attributes: under the ten an
 * SQS raw-delivery subscription accepts. Shapes match the SDK's
 * `MessageAttributeValue` without importing it (the engine is pure).
 */
import type { FindingKind } from '../findings/report.js';
import type { ScanRecord } from '../history/scan-record.js';
import { KIND_ORDER } from './describe.js';
import { byteLength } from './scan-summary.js';

/** Attribute names, shared with subscription filter policies by contract. */
export const ATTRIBUTE = Object.freeze({
  repository: 'repository',
  registry: 'registry',
  status: 'status',
  severity: 'severity',
  findingKinds: 'findingKinds',
  regression: 'regression',
  scanId: 'scanId',
  scan: 'scan',
});

/** SNS rejects a publish whose message plus attributes exceed 256 KB (§1.1). */
export const SNS_MAX_PUBLISH_BYTES = 262_144;

/** One string-typed attribute, as the SNS Publish API takes it. */
export interface StringAttribute {
  readonly DataType: 'String' | 'String.Array';
  readonly StringValue: string;
}

/** The attributes of one message, by name. */
export type MessageAttributes = Readonly<Record<string, StringAttribute>>;

/**
 * The attributes of a scan's message. `scanSummaryJson` is the encoded
 * `scan` summary (see `buildScanSummary`).
 *
 * @example
 * const attributes = buildMessageAttributes(record, JSON.stringify(summary));
 * attributes.severity.StringValue; // 'error'
 */
export function buildMessageAttributes(
  record: ScanRecord,
  scanSummaryJson: string
): MessageAttributes {
  const string = (value: string): StringAttribute => ({
    DataType: 'String',
    StringValue: attributeText(value),
  });
  return {
    [ATTRIBUTE.repository]: string(`${record.registry}/${record.repository}`),
    [ATTRIBUTE.registry]: string(record.registry),
    [ATTRIBUTE.status]: string(record.status),
    [ATTRIBUTE.severity]: string(record.severity ?? 'none'),
    [ATTRIBUTE.findingKinds]: {
      DataType: 'String.Array',
      StringValue: JSON.stringify(findingKinds(record)),
    },
    [ATTRIBUTE.regression]: string(record.regression ? 'yes' : 'no'),
    [ATTRIBUTE.scanId]: string(record.scanId),
    [ATTRIBUTE.scan]: string(scanSummaryJson),
  };
}

/** The kinds found, in the stable `KIND_ORDER`. */
export function findingKinds(record: ScanRecord): FindingKind[] {
  return KIND_ORDER.filter((kind) => (record.counts.byKind[kind] ?? 0) > 0);
}

/**
 * Bytes SNS counts against {@link SNS_MAX_PUBLISH_BYTES}: the message, and
 * each attribute's name, type and value. The subject is added too, which
 * over-counts by at most 100 bytes and keeps the check on the safe side.
 */
export function publishSize(
  message: string,
  attributes: MessageAttributes,
  subject = ''
): number {
  let size = byteLength(message) + byteLength(subject);
  for (const [name, value] of Object.entries(attributes)) {
    size +=
      byteLength(name) +
      byteLength(value.DataType) +
      byteLength(value.StringValue);
  }
  return size;
}

/**
 * Removes characters SNS refuses in attribute values (those XML 1.0 does not
 * allow: controls other than tab and newlines, lone surrogates, U+FFFE/F),
 * and never returns an empty value, which SNS also refuses.
 */
export function attributeText(value: string): string {
  const clean = value.replace(
    /[^\t\n\r\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu,
    ''
  );
  return clean.length ? clean : '-';
}
