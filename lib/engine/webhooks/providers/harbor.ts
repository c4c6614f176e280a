/**
 * Harbor project webhooks (reference/oci-and-registries.md §7.2). An HTTP
 * endpoint may carry an "auth header" value, which Harbor sends verbatim as
 * `Authorization`. The payload comes in one of two formats chosen per
 * endpoint: `Default` (`type: PUSH_ARTIFACT`, `occur_at` in unix seconds,
 * `event_data`) or `CloudEvents` (`specversion: 1.0`, `type:
 * harbor.artifact.pushed`, `time`, `data`); both list the pushed artifact
 * as `resources[]` of the same `repository`. An untagged artifact comes
 * with its digest in `tag` and `resource_url` ends in `@digest`.
 */
import { z } from 'zod';
import { isDigest } from '../../digest/digest.js';
import { WebhookError } from '../../errors.js';
import type { ParsedDelivery, PushedImage, WebhookProvider } from '../types.js';
import { bodyDigest, readJson, requireSharedSecret } from '../verify.js';
import {
  checkImage,
  checkShape,
  clip,
  eventTime,
  unixTime,
} from './payload-checks.js';

const NAME = 'harbor';

const PUSH_TYPES: ReadonlySet<string> = new Set([
  'PUSH_ARTIFACT',
  'harbor.artifact.pushed',
]);

const dataSchema = z.looseObject({
  resources: z
    .array(
      z.looseObject({
        digest: z.string().optional(),
        tag: z.string().optional(),
        resource_url: z.string().optional(),
      })
    )
    .optional(),
  repository: z
    .looseObject({
      namespace: z.string().optional(),
      name: z.string().optional(),
      repo_full_name: z.string().optional(),
    })
    .optional(),
});

const defaultSchema = z.looseObject({
  type: z.string(),
  occur_at: z.number().optional(),
  event_data: dataSchema.optional(),
});

const cloudEventSchema = z.looseObject({
  specversion: z.string(),
  id: z.string().min(1),
  type: z.string(),
  time: z.string().optional(),
  data: dataSchema.optional(),
});

type HarborData = z.infer<typeof dataSchema>;
type HarborResource = NonNullable<HarborData['resources']>[number];

/** One delivery in either format, reduced to what archscan reads. */
interface HarborEvent {
  readonly type: string;
  readonly data: HarborData | undefined;
  readonly sentAt: Date | undefined;
  readonly deliveryId: string;
}

/**
 * The Harbor provider. Set the webhook endpoint's auth header to the
 * secret (bare or `Bearer <secret>`); either payload format works.
 *
 * @example
 * await harbor.authenticate(delivery, { secret: 's3cret' });
 * const parsed = harbor.parse(delivery); // { kind: 'push', images: [...] }
 * @throws WebhookError 401 from `authenticate`, 400 from `parse`.
 */
export const harbor: WebhookProvider = {
  name: NAME,
  title: 'Harbor',
  docs: 'https://goharbor.io/docs/main/working-with-projects/project-configuration/configure-webhooks/',
  auth: 'header',
  async authenticate(delivery, credentials) {
    requireSharedSecret(delivery, credentials.secret, 'Authorization', NAME);
  },
  parse(delivery) {
    // Harbor's "Test endpoint" POSTs no body at all (goharbor/harbor
    // src/pkg/notification/policy/manager.go, policyHTTPTest), and no
    // auth header either, so it only passes with ?token= in the URL.
    if (isBlank(delivery.body)) return { kind: 'ping' };
    const event = readEvent(readJson(delivery, NAME), delivery.body);
    const { deliveryId } = event;
    if (!PUSH_TYPES.has(event.type)) {
      return {
        kind: 'ignored',
        reason: `event ${clip(event.type)}`,
        deliveryId,
      };
    }
    const resources = event.data?.resources ?? [];
    if (resources.length === 0) {
      return { kind: 'ignored', reason: 'push without resources', deliveryId };
    }
    const repository = repositoryOf(event.data);
    return push(
      resources.map((resource) => toImage(resource, repository)),
      event
    );
  },
};

function readEvent(json: unknown, body: Uint8Array): HarborEvent {
  if (typeof json === 'object' && json !== null && 'specversion' in json) {
    const event = checkShape(cloudEventSchema, json, NAME);
    return {
      type: event.type,
      data: event.data,
      sentAt: event.time ? eventTime(event.time, NAME, 'time') : undefined,
      deliveryId: event.id,
    };
  }
  const event = checkShape(defaultSchema, json, NAME);
  return {
    type: event.type,
    data: event.event_data,
    sentAt:
      event.occur_at === undefined
        ? undefined
        : unixTime(event.occur_at, NAME, 'occur_at'),
    // occur_at and the artifact make the Default body unique per event.
    deliveryId: bodyDigest(body),
  };
}

function push(images: PushedImage[], event: HarborEvent): ParsedDelivery {
  return {
    kind: 'push',
    images,
    deliveryId: event.deliveryId,
    ...(event.sentAt ? { sentAt: event.sentAt } : {}),
    ignored: 0,
  };
}

function repositoryOf(data: HarborData | undefined): string {
  const repository = data?.repository;
  if (repository?.repo_full_name) return repository.repo_full_name;
  if (repository?.namespace && repository.name) {
    return `${repository.namespace}/${repository.name}`;
  }
  return '';
}

function toImage(resource: HarborResource, repository: string): PushedImage {
  // An untagged artifact's "tag" is its digest.
  const tag =
    resource.tag && !isDigest(resource.tag) && resource.tag !== resource.digest
      ? resource.tag
      : undefined;
  return checkImage(NAME, {
    registry: resource.resource_url
      ? resourceHost(resource.resource_url)
      : undefined,
    repository,
    tag,
    digest: resource.digest,
  });
}

/** `harbor.example.com/team/my-api:1.4.0` → `harbor.example.com`. */
function resourceHost(resourceUrl: string): string {
  const bare = resourceUrl.replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = bare.indexOf('/');
  if (slash <= 0) {
    throw new WebhookError(
      400,
      `harbor delivery has resource_url ${JSON.stringify(clip(resourceUrl))}, which is not host/repository[:tag|@digest]`
    );
  }
  return bare.slice(0, slash);
}

/** True for a body of nothing but JSON whitespace. */
function isBlank(body: Uint8Array): boolean {
  return body.every(
    (byte) => byte === 0x20 || byte === 0x09 || byte === 0x0a || byte === 0x0d
  );
}
