/**
 * Reading a scan-queue message: either a normalized scan request (re-checks,
 * webhooks, `POST /scans`) or a raw `ECR Image Action` EventBridge event
 * (the rule targets the queue directly). Anything else is malformed.
 */
import { FormatError } from '../engine/errors.js';
import {
  ecrImageActionSchema,
  fromEcrEvent,
} from '../engine/history/ecr-event.js';
import {
  type ScanRequest,
  scanRequestSchema,
} from '../engine/history/scan-request.js';

export type ParsedMessage =
  | { readonly request: ScanRequest }
  | { readonly ignored: string };

/**
 * Parses a message body.
 *
 * @throws FormatError when the body is neither shape (the message can never succeed).
 */
export function parseQueueMessage(body: string): ParsedMessage {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch (error) {
    throw new FormatError(
      `queue message is not JSON: ${(error as Error).message}`
    );
  }
  const request = scanRequestSchema.safeParse(json);
  if (request.success) return { request: request.data };
  const event = ecrImageActionSchema.safeParse(json);
  if (event.success) {
    const fromEvent = fromEcrEvent(event.data);
    return fromEvent
      ? { request: fromEvent }
      : {
          ignored: `ECR ${event.data.detail['action-type']} ${event.data.detail.result} is not a successful push`,
        };
  }
  const issue = request.error.issues[0];
  throw new FormatError(
    `queue message is neither a scan request nor an ECR push event (${issue?.path.join('.') || 'body'}: ${issue?.message ?? 'invalid'})`
  );
}
