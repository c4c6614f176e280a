/**
 * Webhook intake (reference/oci-and-registries.md §7): a registry's push
 * delivery becomes scan requests on the queue, after the delivery has
 * proved itself. In order:
 *
 * 1. an unknown or unconfigured provider is 404;
 * 2. the delivery is authenticated before a byte of it is parsed (401);
 * 3. the provider parses it (400); a ping answers 200, an event that is
 *    not a push 202 with the reason;
 * 4. a delivery sent longer ago than the replay window, or too far in the
 *    future, is stale (401); a delivery id seen within the window is a
 *    replay (401);
 * 5. untagged platform manifests are dropped (the index that lists them
 *    is scanned); every other image's registry must pass the egress policy,
 *    or nothing of the delivery is queued (403);
 * 6. pushes of one image within the coalescing window become one scan,
 *    delayed by the window so it runs after the storm of events a
 *    multi-platform push makes.
 *
 * A webhook is only a hint: the worker resolves each reference against the
 * registry itself.
 */

import type { RegistryPolicy } from '../engine/egress/policy.js';
import { EgressRefusedError, WebhookError } from '../engine/errors.js';
import {
  SCAN_REQUEST_VERSION,
  type ScanRequest,
  scanRequestSchema,
} from '../engine/history/scan-request.js';
import { MANIFEST_TYPES } from '../engine/media-types.js';
import {
  isProviderName,
  PROVIDER_NAMES,
  type ProviderCredentials,
  type ProviderName,
  type PushedImage,
  type WebhookDelivery,
  type WebhookProvider,
} from '../engine/webhooks/types.js';
import type { ClaimStore } from '../ports/claims.js';
import type { Clock } from '../ports/clock.js';
import type { ScanQueue } from '../ports/scan-queue.js';

/** Events for one image within this many seconds become one scan. */
export const DEFAULT_COALESCE_SECONDS = 10;
/** Delivery ids are remembered, and older deliveries refused, for an hour. */
export const DEFAULT_REPLAY_WINDOW_SECONDS = 3600;
/**
 * How far a delivery's own timestamp may lie in the future: senders'
 * clocks drift, but a delivery dated far ahead would outlive the replay
 * window's memory of its id.
 */
export const MAX_CLOCK_SKEW_SECONDS = 300;
/**
 * How long after its acceptance a delivery sent again is taken for the
 * sender's retry (acknowledged, nothing queued) rather than a replay (401).
 */
export const RESEND_GRACE_SECONDS = 600;

/** One provider's configuration: its credentials, and optionally a pinned registry. */
export interface ProviderSettings extends ProviderCredentials {
  /**
   * Registry `host[:port]` every image of this provider is fetched from,
   * whatever the payload says (required when the payload names none).
   */
  readonly registry?: string;
}

/** What webhook intake needs. */
export interface IntakeDeps {
  /** Provider implementations by name. */
  readonly providers: Readonly<Partial<Record<ProviderName, WebhookProvider>>>;
  /** Settings of the enabled providers; a provider without settings is disabled. */
  readonly settings: Readonly<Partial<Record<ProviderName, ProviderSettings>>>;
  readonly policy: RegistryPolicy;
  readonly claims: ClaimStore;
  readonly queue: ScanQueue;
  readonly clock: Clock;
  /** See {@link DEFAULT_COALESCE_SECONDS}. */
  readonly coalesceSeconds: number;
  /** See {@link DEFAULT_REPLAY_WINDOW_SECONDS}. */
  readonly replayWindowSeconds: number;
}

/** The answer to an accepted delivery. */
export interface IntakeAnswer {
  readonly status: 200 | 202;
  readonly body: {
    readonly message: string;
    /** Scan requests queued. */
    readonly queued: number;
    /** Images already queued within the coalescing window. */
    readonly coalesced: number;
    /** Events not scanned: not pushes, or platform manifests of an index. */
    readonly ignored: number;
  };
}

/**
 * Accepts one delivery to `/webhooks/{provider}`.
 *
 * @throws WebhookError 404 for an unknown or unconfigured provider, 401 for
 *   a forged, stale or replayed delivery, 400 for a body the provider does
 *   not send or an image without a registry, 403 when an image's registry
 *   is not allowed (nothing is queued then).
 * @throws whatever the queue throws, after giving back the claims taken,
 *   so the provider's retry is not mistaken for a replay.
 * @example
 * const answer = await acceptWebhook('ghcr', delivery, deps);
 * // { status: 202, body: { message: 'queued 1, coalesced 0, ignored 0', queued: 1, coalesced: 0, ignored: 0 } }
 */
export async function acceptWebhook(
  provider: string,
  delivery: WebhookDelivery,
  deps: IntakeDeps
): Promise<IntakeAnswer> {
  const { name, implementation, settings } = enabledProvider(provider, deps);
  await implementation.authenticate(delivery, settings);
  const parsed = implementation.parse(delivery);
  if (parsed.kind === 'ping') return answer(200, 'pong', 0, 0, 0);
  if (parsed.kind === 'ignored') return answer(202, parsed.reason, 0, 0, 1);
  requireFresh(parsed.sentAt, deps);
  const wanted = parsed.images.filter((image) => !isPlatformChild(image));
  const ignored = parsed.ignored + parsed.images.length - wanted.length;
  // Registries are checked before the delivery is claimed: a refused
  // delivery (400, 403) leaves no claim that would turn a corrected
  // retry into a "replay".
  const requests = toRequests(wanted, name, settings, deps);
  const claimed = await claimDelivery(name, parsed.deliveryId, deps);
  if (claimed === 'resent') {
    return answer(
      200,
      `delivery ${shorten(parsed.deliveryId ?? '')} was already accepted; nothing queued again`,
      0,
      0,
      0
    );
  }
  const deliveryKey = claimed;
  let queued = 0;
  for (const [key, request] of requests) {
    if (await enqueue(key, request, deliveryKey, deps)) queued += 1;
  }
  return answer(202, '', queued, wanted.length - queued, ignored);
}

/**
 * Claims the delivery id for the replay window, and returns the claim's
 * key. Deliveries without an id (nothing in them is unique) are only
 * coalesced.
 *
 * A delivery seen before is a replay, with one exception: the sender's own
 * retry within {@link RESEND_GRACE_SECONDS} of the acceptance (its answer
 * was lost or came after its timeout) is acknowledged as `'resent'`, with
 * nothing queued again. Refusing it would make senders that retry for ever
 * (Distribution, Pub/Sub) hold back every later event.
 *
 * @throws WebhookError 401 when the id was claimed within the window and
 *   the grace has passed.
 */
async function claimDelivery(
  provider: ProviderName,
  deliveryId: string | undefined,
  deps: IntakeDeps
): Promise<string | 'resent' | undefined> {
  if (deliveryId === undefined) return undefined;
  const key = `delivery:${provider}:${deliveryId}`;
  const grace = resendKey(key);
  if (await deps.claims.claim(key, deps.replayWindowSeconds)) {
    await deps.claims.claim(grace, RESEND_GRACE_SECONDS);
    return key;
  }
  if (!(await deps.claims.claim(grace, RESEND_GRACE_SECONDS))) return 'resent';
  // Past the grace: the claim just taken must not open a new one.
  await releaseQuietly(grace, deps);
  throw new WebhookError(
    401,
    `replayed delivery ${shorten(deliveryId)}: it was accepted within the last ${deps.replayWindowSeconds}s`
  );
}

/** The claim that marks the first minutes after a delivery's acceptance. */
function resendKey(deliveryKey: string): string {
  return `${deliveryKey}#resend`;
}

/**
 * Claims the image for the coalescing window and, when the claim is new,
 * queues its scan delayed by the window. When queueing fails, the image's
 * and the delivery's claims are given back, so the provider's retry is
 * queued rather than coalesced or refused as a replay.
 */
async function enqueue(
  key: string,
  request: ScanRequest,
  deliveryKey: string | undefined,
  deps: IntakeDeps
): Promise<boolean> {
  let claimed = false;
  try {
    claimed = await deps.claims.claim(key, deps.coalesceSeconds);
    if (claimed) await deps.queue.send(request, deps.coalesceSeconds);
    return claimed;
  } catch (error) {
    // Each claim is given back on its own; the queue's error is the one reported.
    if (claimed) await releaseQuietly(key, deps);
    if (deliveryKey) {
      await releaseQuietly(deliveryKey, deps);
      await releaseQuietly(resendKey(deliveryKey), deps);
    }
    throw error;
  }
}

/** Gives a claim back; a failure here must not hide the error being reported. */
async function releaseQuietly(key: string, deps: IntakeDeps): Promise<void> {
  try {
    await deps.claims.release(key);
  } catch {
    // The claim expires with its window.
  }
}

/** The provider's implementation and settings, or a 404. */
function enabledProvider(
  provider: string,
  deps: IntakeDeps
): {
  name: ProviderName;
  implementation: WebhookProvider;
  settings: ProviderSettings;
} {
  if (!isProviderName(provider)) {
    throw new WebhookError(
      404,
      `unknown webhook provider ${JSON.stringify(shorten(provider))}; known: ${PROVIDER_NAMES.join(', ')}`
    );
  }
  const implementation = deps.providers[provider];
  const settings = deps.settings[provider];
  if (!implementation || !settings) {
    throw new WebhookError(
      404,
      `webhooks from ${provider} are not enabled; configure webhooks.providers.${provider}`
    );
  }
  return { name: provider, implementation, settings };
}

/** Refuses a delivery dated outside the replay window. */
function requireFresh(sentAt: Date | undefined, deps: IntakeDeps): void {
  if (sentAt === undefined) return;
  const ageMs = deps.clock.now().getTime() - sentAt.getTime();
  if (Number.isNaN(ageMs)) {
    throw new WebhookError(400, 'delivery carries an invalid timestamp');
  }
  if (ageMs > deps.replayWindowSeconds * 1000) {
    throw new WebhookError(
      401,
      `stale delivery: sent ${sentAt.toISOString()}, more than ${deps.replayWindowSeconds}s ago`
    );
  }
  if (-ageMs > MAX_CLOCK_SKEW_SECONDS * 1000) {
    throw new WebhookError(
      401,
      `stale delivery: sent ${sentAt.toISOString()}, more than ${MAX_CLOCK_SKEW_SECONDS}s in the future; check the sender's clock`
    );
  }
}

/**
 * A platform manifest pushed without a tag is a child of a multi-platform
 * push: the index that lists it is scanned, with every platform.
 */
function isPlatformChild(image: PushedImage): boolean {
  return (
    !image.tag &&
    image.mediaType !== undefined &&
    MANIFEST_TYPES.has(image.mediaType)
  );
}

/**
 * One scan request per distinct image, keyed for coalescing. Every
 * registry is checked before anything is claimed or queued, so one
 * forbidden image refuses the whole delivery.
 */
function toRequests(
  images: readonly PushedImage[],
  provider: ProviderName,
  settings: ProviderSettings,
  deps: IntakeDeps
): Map<string, ScanRequest> {
  const requests = new Map<string, ScanRequest>();
  const receivedAt = deps.clock.now().toISOString();
  for (const image of images) {
    const registry = allowedRegistry(
      settings.registry ?? image.registry,
      provider,
      deps.policy
    );
    const tag = image.tag || (image.digest ? undefined : 'latest');
    const request = scanRequest({
      version: SCAN_REQUEST_VERSION,
      source: 'webhook',
      registry,
      repository: image.repository,
      ...(tag ? { tag } : {}),
      ...(image.digest ? { digest: image.digest } : {}),
      receivedAt,
    });
    const key = `image:${registry}/${image.repository}@${image.digest ?? `tag:${tag}`}`;
    if (!requests.has(key)) requests.set(key, request);
  }
  return requests;
}

function allowedRegistry(
  registry: string | undefined,
  provider: ProviderName,
  policy: RegistryPolicy
): string {
  if (!registry) {
    throw new WebhookError(
      400,
      `payload names no registry; set webhooks.providers.${provider}.registry`
    );
  }
  try {
    return policy.check(registry);
  } catch (error) {
    if (error instanceof EgressRefusedError) {
      throw new WebhookError(403, error.message, { cause: error });
    }
    throw error;
  }
}

/** The request as the queue's consumers validate it, or a 400 saying why not. */
function scanRequest(request: ScanRequest): ScanRequest {
  const parsed = scanRequestSchema.safeParse(request);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(
    (issue) => `${issue.path.join('.')}: ${issue.message}`
  );
  throw new WebhookError(
    400,
    `pushed image ${shorten(request.repository)} is not a valid scan request: ${problems.join('; ')}`
  );
}

function answer(
  status: 200 | 202,
  message: string,
  queued: number,
  coalesced: number,
  ignored: number
): IntakeAnswer {
  return {
    status,
    body: {
      message:
        message ||
        `queued ${queued}, coalesced ${coalesced}, ignored ${ignored}`,
      queued,
      coalesced,
      ignored,
    },
  };
}

/** Untrusted text, cut to a length fit for a message. */
function shorten(text: string): string {
  return text.length > 100 ? `${text.slice(0, 100)}…` : text;
}
