/**
 * The normalized scan request every trigger becomes (DESIGN.md §Sources
 * and triggers): an ECR push event, a registry webhook, `POST /scans`, or a
 * grace-window re-check. One shape on the queue, validated on the way in.
 */
import { z } from 'zod';

export const SCAN_REQUEST_VERSION = 1;

export const scanRequestSchema = z.object({
  version: z.literal(SCAN_REQUEST_VERSION),
  /** Where the request came from. */
  source: z.enum(['ecr', 'webhook', 'manual', 'recheck']),
  /** Registry host[:port], e.g. `123456789012.dkr.ecr.eu-west-1.amazonaws.com`. */
  registry: z.string().min(1).max(255),
  repository: z.string().min(1).max(255),
  /** Tag pushed, when the event names one. */
  tag: z.string().max(128).optional(),
  /** Digest pushed, when the event names one. */
  digest: z.string().max(200).optional(),
  /** When the trigger happened (ISO 8601). */
  receivedAt: z.string(),
  /** For re-checks: when the grace window ends (ISO 8601); earlier deliveries wait again. */
  notBefore: z.string().optional(),
  /** For re-checks: the scan that found platforms missing. */
  previousScanId: z.string().optional(),
});

export type ScanRequest = z.infer<typeof scanRequestSchema>;

/** The image a request names, as `registry/repository[:tag][@digest]`. */
export function requestReference(request: ScanRequest): string {
  let ref = `${request.registry}/${request.repository}`;
  if (request.tag) ref += `:${request.tag}`;
  if (request.digest) ref += `@${request.digest}`;
  return ref;
}
