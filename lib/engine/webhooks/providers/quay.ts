/**
 * Quay repository notifications (reference/oci-and-registries.md §7.4,
 * https://docs.quay.io/guides/notifications.html): a `repo_push`
 * notification with the "Webhook POST" method sends the repository, its
 * `docker_url` (`quay.io/ns/name`, or the host of a self-hosted Quay) and
 * the tags the push updated, but no digest: the scan resolves each tag.
 * Quay signs nothing, so the webhook URL carries an unguessable `?token=`.
 *
 * `updated_tags` is a list of tag names in current Quay; the older
 * documentation shows an object keyed by tag, which is read as well.
 */
import { z } from 'zod';
import { ConfigError, WebhookError } from '../../errors.js';
import {
  parseRegistryReference,
  type RegistryReference,
} from '../../reference/reference.js';
import type {
  ParsedDelivery,
  PushedImage,
  WebhookDelivery,
  WebhookProvider,
} from '../types.js';
import { readJson, requireUrlToken } from '../verify.js';
import { clip, withoutCredentials } from './payload-checks.js';

const NAME = 'quay';

/** Where `docker_url` points when the payload has none. */
const DEFAULT_HOST = 'quay.io';

/**
 * What Quay's "Test Notification" button sends for `repo_push`: the sample
 * data of `RepoPushEvent.get_sample_data` in quay/quay
 * `notifications/notificationevent.py`. A real push names the one tag it
 * wrote and never carries `pruned_image_count` with a tag list.
 */
const TEST_TAGS = ['latest', 'foo'];
const TEST_PRUNED_COUNT = 3;

const payloadSchema = z.object({
  repository: z.string().min(1),
  docker_url: z.string().min(1).optional(),
  updated_tags: z
    .union([z.array(z.string()), z.record(z.string(), z.unknown())])
    .optional(),
  pruned_image_count: z.unknown().optional(),
});

type Payload = z.infer<typeof payloadSchema>;

/**
 * Quay: `POST /webhooks/quay?token=<secret>`, one image per updated tag.
 *
 * @example
 * await quay.authenticate(delivery, { secret: 'long-random-token' });
 * quay.parse(delivery);
 * // { kind: 'push', images: [{ registry: 'quay.io', repository: 'team/app', tag: 'latest' }], ignored: 0 }
 */
export const quay: WebhookProvider = {
  name: NAME,
  title: 'Quay',
  docs: 'https://docs.quay.io/guides/notifications.html',
  auth: 'url-token',

  async authenticate(delivery, credentials) {
    requireUrlToken(delivery, credentials.secret, NAME);
  },

  parse(delivery: WebhookDelivery): ParsedDelivery {
    const result = payloadSchema.safeParse(readJson(delivery, NAME));
    if (!result.success) throw invalidPayload(result.error);
    const payload = result.data;
    if (payload.updated_tags === undefined) {
      // Build, mirror and vulnerability notifications share the
      // repository fields but name no updated tags.
      return {
        kind: 'ignored',
        reason: 'not a repo_push notification (no updated_tags)',
      };
    }
    if (isTestNotification(payload)) return { kind: 'ping' };
    const tags = tagNames(payload.updated_tags);
    if (tags.length === 0) {
      return { kind: 'ignored', reason: 'repo_push without updated tags' };
    }
    const host = registryHost(payload.docker_url);
    const images = tags.map((tag) =>
      pushedImage(host, payload.repository, tag)
    );
    // Nothing in a Quay body is unique to one delivery: no deliveryId, so
    // repeated pushes are coalesced instead of refused as replays.
    return { kind: 'push', images, ignored: 0 };
  },
};

function isTestNotification(payload: Payload): boolean {
  const tags = payload.updated_tags;
  return (
    payload.pruned_image_count === TEST_PRUNED_COUNT &&
    Array.isArray(tags) &&
    tags.length === TEST_TAGS.length &&
    tags.every((tag, i) => tag === TEST_TAGS[i])
  );
}

/** Tag names from either shape, each once, in payload order. */
function tagNames(updated: NonNullable<Payload['updated_tags']>): string[] {
  const names = Array.isArray(updated) ? updated : Object.keys(updated);
  return [...new Set(names)];
}

/** The host part of `docker_url` (`quay.io/ns/name` → `quay.io`). */
function registryHost(dockerUrl: string | undefined): string {
  if (dockerUrl === undefined) return DEFAULT_HOST;
  const bare = dockerUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = bare.indexOf('/');
  return (slash < 0 ? bare : bare.slice(0, slash)).toLowerCase();
}

function pushedImage(
  host: string,
  repository: string,
  tag: string
): PushedImage {
  let ref: RegistryReference;
  try {
    ref = parseRegistryReference(`${host}/${repository}:${tag}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new WebhookError(
      400,
      `${NAME} delivery names no valid image: ${withoutCredentials(error.message)}`
    );
  }
  if (ref.registry !== host) {
    // A host without a dot or port reads as a Docker Hub namespace, and
    // no client could pull from it by that name either.
    throw new WebhookError(
      400,
      `${NAME} delivery names no valid registry: docker_url host ${JSON.stringify(clip(host))} must be a host name such as quay.io or registry.example.com:8443`
    );
  }
  return { registry: host, repository: ref.repository, tag };
}

function invalidPayload(error: z.ZodError): WebhookError {
  const issue = error.issues[0];
  const where = issue?.path.map(String).join('.') || 'body';
  const why = issue ? lowerFirst(issue.message) : 'unexpected shape';
  return new WebhookError(
    400,
    `${NAME} delivery is not a Quay notification payload: ${where}: ${why}`
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
