/**
 * Google Artifact Registry (reference/oci-and-registries.md §7.7,
 * https://cloud.google.com/artifact-registry/docs/configure-notifications):
 * Artifact Registry publishes every upload, new tag and deletion to the
 * Pub/Sub topic `gcr`, and a push subscription delivers each message as
 * `{message: {data, messageId, publishTime, attributes}, subscription}`.
 * `data` is base64 of `{action, digest?, tag?}`, where `digest` and `tag`
 * are full references (`us-east1-docker.pkg.dev/proj/repo/img@sha256:…`).
 *
 * With push authentication on, Pub/Sub sends `Authorization: Bearer <JWT>`
 * signed by Google for the subscription's service account; it is checked
 * against Google's keys, the audience, the issuer and the account e-mail
 * (https://cloud.google.com/pubsub/docs/authenticate-push-subscriptions).
 * Without it, an unguessable `?token=` in the endpoint URL is accepted.
 */
import { errors, jwtVerify } from 'jose';
import { z } from 'zod';
import { ConfigError, WebhookError } from '../../errors.js';
import {
  parseRegistryReference,
  type RegistryReference,
} from '../../reference/reference.js';
import type {
  OidcSettings,
  ParsedDelivery,
  PushedImage,
  WebhookDelivery,
  WebhookProvider,
} from '../types.js';
import { readJson, requireUrlToken } from '../verify.js';
import { clip, label, withoutCredentials } from './payload-checks.js';

const NAME = 'gar';

/** Issuers Google puts in Pub/Sub push tokens. */
const GOOGLE_ISSUERS = ['accounts.google.com', 'https://accounts.google.com'];

const BEARER = /^bearer\s+(\S+)\s*$/i;
const BASE64 =
  /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Pub/Sub's push body; it sends both the camelCase and snake_case names. */
const pushSchema = z.object({
  message: z.object({
    data: z.string().min(1),
    messageId: z.string().min(1).optional(),
    message_id: z.string().min(1).optional(),
    publishTime: z.string().optional(),
    publish_time: z.string().optional(),
  }),
});

const notificationSchema = z.object({
  action: z.string(),
  digest: z.string().min(1).optional(),
  tag: z.string().min(1).optional(),
});

type Notification = z.infer<typeof notificationSchema>;

/**
 * Artifact Registry through a Pub/Sub push subscription: `POST /webhooks/gar`.
 *
 * @example
 * const keys = createRemoteJWKSet(new URL('https://www.googleapis.com/oauth2/v3/certs'));
 * await gar.authenticate(delivery, { oidc: { audience: 'https://scan.example.com/webhooks/gar', keys } });
 * gar.parse(delivery);
 * // { kind: 'push', images: [{ registry: 'us-east1-docker.pkg.dev', repository: 'proj/repo/img', tag: '1.4.0', digest: 'sha256:…' }], deliveryId: '…', … }
 */
export const gar: WebhookProvider = {
  name: NAME,
  title: 'Google Artifact Registry',
  docs: 'https://cloud.google.com/artifact-registry/docs/configure-notifications',
  auth: 'oidc',

  async authenticate(delivery, credentials) {
    if (credentials.oidc) return verifyToken(delivery, credentials.oidc);
    if (credentials.secret) {
      return requireUrlToken(delivery, credentials.secret, NAME);
    }
    throw new WebhookError(
      401,
      `${NAME} webhooks have neither oidc nor a secret configured: every delivery is refused`
    );
  },

  parse(delivery: WebhookDelivery): ParsedDelivery {
    const push = pushSchema.safeParse(readJson(delivery, NAME));
    if (!push.success) throw invalidPayload(push.error, 'Pub/Sub push');
    const message = push.data.message;
    const deliveryId = message.messageId ?? message.message_id;
    const sentAt = publishTime(message.publishTime ?? message.publish_time);
    const ids = deliveryId ? { deliveryId } : {};
    const notification = decodeData(message.data);
    if (notification.action !== 'INSERT') {
      return {
        kind: 'ignored',
        reason: `action ${label(notification.action)}`,
        ...ids,
      };
    }
    if (!notification.tag) {
      // Each platform manifest of a multi-arch push (and each attestation)
      // is published untagged, before the tagged index that lists them.
      // Pub/Sub gives no media type to tell them apart, so only tagged
      // uploads are scanned: the index covers its platforms.
      if (!notification.digest) {
        throw new WebhookError(
          400,
          `${NAME} INSERT notification names neither a digest nor a tag`
        );
      }
      return {
        kind: 'ignored',
        reason: 'untagged manifest: the tagged image that lists it is scanned',
        ...ids,
      };
    }
    return {
      kind: 'push',
      images: [pushedImage(notification)],
      ...ids,
      ...(sentAt ? { sentAt } : {}),
      ignored: 0,
    };
  },
};

async function verifyToken(
  delivery: WebhookDelivery,
  oidc: OidcSettings
): Promise<void> {
  const match = BEARER.exec(delivery.headers.authorization ?? '');
  if (!match) {
    throw new WebhookError(
      401,
      `${NAME} delivery without a bearer token: enable authentication on the Pub/Sub push subscription`
    );
  }
  let claims: Record<string, unknown>;
  try {
    const verified = await jwtVerify(match[1] as string, oidc.keys, {
      audience: oidc.audience,
      issuer: [...(oidc.issuers ?? GOOGLE_ISSUERS)],
      algorithms: ['RS256'],
      currentDate: delivery.receivedAt,
    });
    claims = verified.payload;
  } catch (error) {
    throw new WebhookError(
      401,
      `${NAME} delivery with a token that does not verify: ${whyRefused(error)}`
    );
  }
  // Any Google account can mint a token for our audience from its own
  // project; only the configured service account identifies our topic.
  if (oidc.email === undefined) {
    throw new WebhookError(
      401,
      `${NAME} OIDC settings name no service account e-mail: every delivery is refused until one is configured`
    );
  }
  if (claims.email !== oidc.email) {
    throw new WebhookError(
      401,
      `${NAME} delivery with a token for another service account: expected ${oidc.email}`
    );
  }
  if (claims.email_verified !== true) {
    throw new WebhookError(
      401,
      `${NAME} delivery with a token whose e-mail is not verified`
    );
  }
}

/** A short reason for a failed verification; never the token itself. */
function whyRefused(error: unknown): string {
  if (error instanceof errors.JWTExpired) return 'it has expired';
  if (error instanceof errors.JWTClaimValidationFailed) {
    if (error.claim === 'aud') return 'wrong audience';
    if (error.claim === 'iss') return 'wrong issuer';
    return `claim ${label(error.claim)} is not valid`;
  }
  if (error instanceof errors.JOSEAlgNotAllowed) {
    return 'algorithm not allowed, RS256 expected';
  }
  if (error instanceof errors.JWSSignatureVerificationFailed) {
    return 'the signature does not match';
  }
  if (error instanceof errors.JWKSNoMatchingKey) {
    return 'signed by an unknown key';
  }
  if (
    error instanceof errors.JWSInvalid ||
    error instanceof errors.JWTInvalid
  ) {
    return 'malformed token';
  }
  return 'the signing keys could not be read';
}

/** The notification inside `message.data`. */
function decodeData(data: string): Notification {
  if (!BASE64.test(data)) {
    throw new WebhookError(400, `${NAME} message.data is not base64`);
  }
  let json: unknown;
  try {
    json = JSON.parse(Buffer.from(data, 'base64').toString('utf8'));
  } catch (error) {
    throw new WebhookError(
      400,
      `${NAME} message.data is not JSON: ${(error as Error).message}`
    );
  }
  const result = notificationSchema.safeParse(json);
  if (!result.success) {
    throw invalidPayload(result.error, 'Artifact Registry notification');
  }
  return result.data;
}

/** One image from the `tag` reference, with the `digest` when it agrees. */
function pushedImage(notification: Notification): PushedImage {
  const tagged = reference(notification.tag as string, 'tag');
  if (!tagged.tag || tagged.digest) {
    throw new WebhookError(
      400,
      `${NAME} notification tag ${JSON.stringify(clip(notification.tag as string))} must be host/path:tag`
    );
  }
  const image: PushedImage = {
    registry: tagged.registry,
    repository: tagged.repository,
    tag: tagged.tag,
  };
  if (!notification.digest) return image;
  const digested = reference(notification.digest, 'digest');
  if (
    !digested.digest ||
    digested.registry !== tagged.registry ||
    digested.repository !== tagged.repository
  ) {
    throw new WebhookError(
      400,
      `${NAME} notification digest ${JSON.stringify(clip(notification.digest))} must be host/path@digest of the tagged image`
    );
  }
  return { ...image, digest: digested.digest };
}

function reference(text: string, field: string): RegistryReference {
  let ref: RegistryReference;
  try {
    ref = parseRegistryReference(text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new WebhookError(
      400,
      `${NAME} notification ${field} names no valid image: ${withoutCredentials(error.message)}`
    );
  }
  // parseRegistryReference reads `repo/img` as Docker Hub and adds
  // `latest` when a reference has neither tag nor digest; Artifact
  // Registry always names its host and what was pushed.
  const explicit =
    text.startsWith(`${ref.registry}/`) &&
    (ref.digest !== undefined || text.endsWith(`:${ref.tag}`));
  if (!explicit) {
    throw new WebhookError(
      400,
      `${NAME} notification ${field} ${JSON.stringify(clip(text))} must name the registry host and a tag or digest`
    );
  }
  return ref;
}

/** `publishTime` (RFC 3339), the time Pub/Sub accepted the message. */
function publishTime(text: string | undefined): Date | undefined {
  if (text === undefined) return undefined;
  const time = Date.parse(text);
  if (!Number.isFinite(time)) {
    throw new WebhookError(
      400,
      `${NAME} message.publishTime ${JSON.stringify(clip(text))} is not an RFC 3339 time`
    );
  }
  return new Date(time);
}

function invalidPayload(error: z.ZodError, what: string): WebhookError {
  const issue = error.issues[0];
  const where = issue?.path.map(String).join('.') || 'body';
  const why = issue ? lowerFirst(issue.message) : 'unexpected shape';
  return new WebhookError(
    400,
    `${NAME} delivery is not a ${what} body: ${where}: ${why}`
  );
}

/** An untrusted word for a log line: short, printable. */

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
