/**
 * CNCF Distribution registry notifications (reference/oci-and-registries.md
 * §7.5), also what a self-managed GitLab's bundled registry sends (§7.8).
 * The registry POSTs an envelope of events to every endpoint in
 * `notifications.endpoints[]`, with the static `headers` configured there:
 * `Authorization: [Bearer <secret>]` authenticates it. Blob uploads, pulls,
 * deletes and mounts arrive as events too; only manifest and index pushes
 * name something to scan. Events in one envelope need not be related.
 */
import { z } from 'zod';
import type {
  ParsedDelivery,
  PushedImage,
  WebhookDelivery,
  WebhookProvider,
} from '../types.js';
import { bodyDigest, requireSharedSecret } from '../verify.js';
import {
  checkImage,
  eventTime,
  isManifestType,
  latest,
  readPayload,
  urlHost,
} from './payload-checks.js';

const NAME = 'distribution';

/**
 * Event ids joined longer than this are hashed instead: a delivery id is a
 * claim key, and an envelope may batch many events.
 */
const MAX_JOINED_IDS = 512;

/** One notification event; Azure Container Registry sends the same shape. */
export const eventSchema = z.looseObject({
  id: z.string().optional(),
  timestamp: z.string().optional(),
  action: z.string(),
  // Delete events carry only digest and repository.
  target: z
    .looseObject({
      mediaType: z.string().optional(),
      digest: z.string().optional(),
      repository: z.string().optional(),
      url: z.string().optional(),
      tag: z.string().optional(),
    })
    .optional(),
  request: z.looseObject({ host: z.string().optional() }).optional(),
});

const envelopeSchema = z.looseObject({ events: z.array(eventSchema) });

type DistributionEvent = z.infer<typeof eventSchema>;

/**
 * The CNCF Distribution provider. Configure the registry with an endpoint
 * whose `headers` carry `Authorization: [Bearer <secret>]`.
 *
 * @example
 * await distribution.authenticate(delivery, { secret: 's3cret' });
 * const parsed = distribution.parse(delivery); // { kind: 'push', images: [...] }
 * @throws WebhookError 401 from `authenticate`, 400 from `parse`.
 */
export const distribution: WebhookProvider = {
  name: NAME,
  title: 'CNCF Distribution',
  docs: 'https://distribution.github.io/distribution/about/notifications/',
  auth: 'header',
  async authenticate(delivery, credentials) {
    requireSharedSecret(delivery, credentials.secret, 'Authorization', NAME);
  },
  parse(delivery) {
    const { events } = readPayload(delivery, envelopeSchema, NAME);
    const deliveryId = deliveryIdOf(events, delivery);
    if (events.length === 0) {
      return { kind: 'ignored', reason: 'envelope without events', deliveryId };
    }
    const images = events.filter(isManifestPush).map(toImage);
    if (images.length === 0) {
      return {
        kind: 'ignored',
        reason: `no manifest or index push among ${events.length} events`,
        deliveryId,
      };
    }
    return push(images, events, deliveryId);
  },
};

function push(
  images: PushedImage[],
  events: DistributionEvent[],
  deliveryId: string
): ParsedDelivery {
  const times = events.flatMap((event) =>
    event.timestamp ? [eventTime(event.timestamp, NAME, 'timestamp')] : []
  );
  const sentAt = latest(times);
  return {
    kind: 'push',
    images,
    deliveryId,
    ...(sentAt ? { sentAt } : {}),
    ignored: events.length - images.length,
  };
}

function isManifestPush(event: DistributionEvent): boolean {
  return event.action === 'push' && isManifestType(event.target?.mediaType);
}

function toImage(event: DistributionEvent): PushedImage {
  const target = event.target ?? {};
  return checkImage(NAME, {
    registry: event.request?.host || registryFromUrl(target.url),
    repository: target.repository ?? '',
    tag: target.tag,
    digest: target.digest,
    mediaType: target.mediaType,
  });
}

function registryFromUrl(url: string | undefined): string | undefined {
  return url ? urlHost(url, NAME) : undefined;
}

/**
 * The sorted event ids, which the registry makes unique per event; the
 * body digest when any event has none.
 */
function deliveryIdOf(
  events: DistributionEvent[],
  delivery: WebhookDelivery
): string {
  const ids = events.flatMap((event) => (event.id ? [event.id] : []));
  if (ids.length === 0 || ids.length < events.length) {
    return bodyDigest(delivery.body);
  }
  const joined = ids.sort().join(',');
  return joined.length > MAX_JOINED_IDS
    ? bodyDigest(new TextEncoder().encode(joined))
    : joined;
}
