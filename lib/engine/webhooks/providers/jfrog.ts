/**
 * JFrog Artifactory webhooks, Docker domain (reference/oci-and-registries.md
 * §7.9): events `pushed`, `deleted` and `promoted`, one per delivery. The
 * webhook's Secret Token arrives in `X-JFrog-Event-Auth`. With "Use secret
 * for payload signing" on, that header carries the hex HMAC-SHA256 of the
 * body instead (what Kargo's Artifactory receiver verifies; JFrog's own
 * documentation does not name the algorithm); both are accepted. The
 * payload names no registry host: Artifactory serves Docker repositories
 * under several URL schemes, so the intake pins the registry from config.
 */
import { z } from 'zod';
import { WebhookError } from '../../errors.js';
import type { WebhookDelivery, WebhookProvider } from '../types.js';
import {
  bodyDigest,
  hmacSha256Hex,
  requireSharedSecret,
  safeEqual,
} from '../verify.js';
import { checkImage, checkShape, clip, readPayload } from './payload-checks.js';

const NAME = 'jfrog';
const AUTH_HEADER = 'X-JFrog-Event-Auth';
const HEX_SHA256 = /^[0-9a-fA-F]{64}$/;

const dataSchema = z.looseObject({
  event_type: z.string().optional(),
  repo_key: z.string().optional(),
  path: z.string().optional(),
  sha256: z.string().optional(),
  image_name: z.string().optional(),
  tag: z.string().optional(),
});

// The documentation shows only the event's data; the envelope around it
// (`domain`, `event_type`, `data`) is what Artifactory sends in practice
// (telegraf's and Kargo's receivers read it), so both shapes are accepted.
const payloadSchema = z.looseObject({
  domain: z.string().optional(),
  event_type: z.string().optional(),
  data: dataSchema.optional(),
});

/**
 * The JFrog Artifactory provider. Set the webhook's Secret Token to the
 * secret; pin the provider's `registry` in the config, since the payload
 * names none.
 *
 * @example
 * await jfrog.authenticate(delivery, { secret: 's3cret' });
 * const parsed = jfrog.parse(delivery); // { kind: 'push', images: [{ repository, tag, digest }] }
 * @throws WebhookError 401 from `authenticate`, 400 from `parse`.
 */
export const jfrog: WebhookProvider = {
  name: NAME,
  title: 'JFrog Artifactory',
  docs: 'https://jfrog.com/help/r/jfrog-platform-administration-documentation/domain-docker',
  auth: 'header',
  async authenticate(delivery, credentials) {
    if (isSignedWith(delivery, credentials.secret)) return;
    requireSharedSecret(delivery, credentials.secret, AUTH_HEADER, NAME);
  },
  parse(delivery) {
    const envelope = readPayload(delivery, payloadSchema, NAME);
    const data = envelope.data ?? checkShape(dataSchema, envelope, NAME);
    const deliveryId = bodyDigest(delivery.body);
    if (envelope.domain !== undefined && envelope.domain !== 'docker') {
      return {
        kind: 'ignored',
        reason: `domain ${clip(envelope.domain)}`,
        deliveryId,
      };
    }
    const eventType = envelope.event_type ?? data.event_type;
    if (eventType === undefined) {
      throw new WebhookError(
        400,
        'jfrog delivery has no event_type: expected pushed, deleted or promoted'
      );
    }
    if (eventType !== 'pushed') {
      return {
        kind: 'ignored',
        reason: `event ${clip(eventType)}`,
        deliveryId,
      };
    }
    const image = checkImage(NAME, {
      repository: data.image_name ?? '',
      tag: data.tag,
      digest: data.sha256 ? `sha256:${data.sha256}` : undefined,
    });
    return { kind: 'push', images: [image], deliveryId, ignored: 0 };
  },
};

/** True when the header is the body's HMAC-SHA256 under the secret. */
function isSignedWith(
  delivery: WebhookDelivery,
  secret: string | undefined
): boolean {
  const value = delivery.headers[AUTH_HEADER.toLowerCase()];
  if (!secret || !value || !HEX_SHA256.test(value)) return false;
  return safeEqual(value.toLowerCase(), hmacSha256Hex(secret, delivery.body));
}
