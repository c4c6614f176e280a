/**
 * Amazon ECR push events (EventBridge `ECR Image Action`, reference §6.1)
 * turned into scan requests. Only successful pushes count; the registry
 * host is derived from the event's account and Region.
 */
import { z } from 'zod';
import { SCAN_REQUEST_VERSION, type ScanRequest } from './scan-request.js';

export const ecrImageActionSchema = z.object({
  'detail-type': z.literal('ECR Image Action'),
  source: z.literal('aws.ecr'),
  account: z.string().regex(/^\d{12}$/),
  region: z.string().regex(/^[a-z]{2}(-[a-z]+)+-\d$/),
  time: z.string(),
  detail: z.object({
    result: z.string(),
    'action-type': z.string(),
    'repository-name': z.string().min(1),
    'image-digest': z.string().optional(),
    'image-tag': z.string().optional(),
  }),
});

export type EcrImageAction = z.infer<typeof ecrImageActionSchema>;

/** The ECR registry host of an account and Region (China Regions use amazonaws.com.cn). */
export function ecrRegistryHost(account: string, region: string): string {
  const suffix = region.startsWith('cn-')
    ? 'amazonaws.com.cn'
    : 'amazonaws.com';
  return `${account}.dkr.ecr.${region}.${suffix}`;
}

/** A scan request for a successful push, or undefined for any other action. */
export function fromEcrEvent(event: EcrImageAction): ScanRequest | undefined {
  const { detail } = event;
  if (detail['action-type'] !== 'PUSH' || detail.result !== 'SUCCESS')
    return undefined;
  const tag = detail['image-tag'] || undefined;
  return {
    version: SCAN_REQUEST_VERSION,
    source: 'ecr',
    registry: ecrRegistryHost(event.account, event.region),
    repository: detail['repository-name'],
    ...(tag ? { tag } : {}),
    ...(detail['image-digest'] ? { digest: detail['image-digest'] } : {}),
    receivedAt: event.time,
  };
}
