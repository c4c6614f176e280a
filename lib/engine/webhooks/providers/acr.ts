/**
 * Azure Container Registry webhooks (reference/oci-and-registries.md §7.6).
 * ACR POSTs one event per delivery and adds no header of its own beyond
 * the custom headers configured on the webhook: `Authorization: Bearer
 * <secret>` authenticates it. Actions: `push`, `delete`, `chart_push`,
 * `chart_delete`, `quarantine` (Premium), and `ping` from the portal's
 * Ping button or `az acr webhook ping`.
 */
import type { WebhookProvider } from '../types.js';
import { requireSharedSecret } from '../verify.js';
import { eventSchema } from './distribution.js';
import {
  checkImage,
  clip,
  eventTime,
  isManifestType,
  readPayload,
} from './payload-checks.js';

const NAME = 'acr';

/**
 * The Azure Container Registry provider. Add the custom header
 * `Authorization: Bearer <secret>` to the registry webhook.
 *
 * @example
 * await acr.authenticate(delivery, { secret: 's3cret' });
 * const parsed = acr.parse(delivery); // { kind: 'push', images: [...] }
 * @throws WebhookError 401 from `authenticate`, 400 from `parse`.
 */
export const acr: WebhookProvider = {
  name: NAME,
  title: 'Azure Container Registry',
  docs: 'https://learn.microsoft.com/en-us/azure/container-registry/container-registry-webhook-reference',
  auth: 'header',
  async authenticate(delivery, credentials) {
    requireSharedSecret(delivery, credentials.secret, 'Authorization', NAME);
  },
  parse(delivery) {
    const event = readPayload(delivery, eventSchema, NAME);
    const deliveryId = event.id || undefined;
    const idPart = deliveryId ? { deliveryId } : {};
    // The ping's action is documented only through Kargo's ACR receiver and
    // the management API ("triggers a ping event"); the rest of its body is
    // unverified, so nothing else in it is read.
    if (event.action === 'ping') return { kind: 'ping', ...idPart };
    if (event.action !== 'push') {
      return {
        kind: 'ignored',
        reason: `action ${clip(event.action)}`,
        ...idPart,
      };
    }
    const target = event.target ?? {};
    // A push without a media type is taken as an image; one of another type
    // (a legacy Helm chart, an artifact blob) names nothing to scan.
    if (target.mediaType !== undefined && !isManifestType(target.mediaType)) {
      return {
        kind: 'ignored',
        reason: `push of ${clip(target.mediaType)}`,
        ...idPart,
      };
    }
    const image = checkImage(NAME, {
      registry: event.request?.host,
      repository: target.repository ?? '',
      tag: target.tag,
      digest: target.digest,
      mediaType: target.mediaType,
    });
    return {
      kind: 'push',
      images: [image],
      ...idPart,
      ...(event.timestamp
        ? { sentAt: eventTime(event.timestamp, NAME, 'timestamp') }
        : {}),
      ignored: 0,
    };
  },
};
