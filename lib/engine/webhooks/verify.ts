/**
 * The checks every provider builds on: secrets compared in constant time,
 * HMAC over the raw body, and a JSON body read without trusting it.
 * Failures are `WebhookError`s whose messages never echo a secret.
 */
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { WebhookError } from '../errors.js';
import type { WebhookDelivery } from './types.js';

/** Largest webhook body read, far above any provider's push payload. */
export const MAX_WEBHOOK_BODY_BYTES = 1024 * 1024;

/**
 * Compares two strings in time that depends on neither content nor
 * length (both are hashed first, so `timingSafeEqual` sees equal lengths).
 *
 * @example safeEqual('s3cret', 's3cret') // true
 */
export function safeEqual(actual: string, expected: string): boolean {
  const a = createHash('sha256').update(actual, 'utf8').digest();
  const b = createHash('sha256').update(expected, 'utf8').digest();
  return timingSafeEqual(a, b) && actual.length === expected.length;
}

/** `hex(HMAC-SHA256(secret, body))`. */
export function hmacSha256Hex(secret: string, body: Uint8Array): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** `hex(SHA-256(body))`: a delivery's identity when its body is unique. */
export function bodyDigest(body: Uint8Array): string {
  return createHash('sha256').update(body).digest('hex');
}

/**
 * True when the URL carries `?token=<secret>`.
 */
export function hasUrlToken(
  delivery: WebhookDelivery,
  secret: string
): boolean {
  const token = delivery.query.token;
  return token !== undefined && safeEqual(token, secret);
}

/**
 * Accepts a delivery whose `header` holds the secret, bare or as
 * `Bearer <secret>`, or whose URL carries it as `?token=`.
 *
 * @throws WebhookError 401 otherwise, or when no secret is configured.
 */
export function requireSharedSecret(
  delivery: WebhookDelivery,
  secret: string | undefined,
  header: string,
  provider: string
): void {
  const configured = requireSecret(secret, provider);
  if (hasUrlToken(delivery, configured)) return;
  const value = delivery.headers[header.toLowerCase()];
  if (value === undefined) {
    throw new WebhookError(
      401,
      `${provider} delivery without credentials: expected the shared secret in ${header} or ?token=`
    );
  }
  const bare = value.replace(/^bearer\s+/i, '').trim();
  if (!safeEqual(bare, configured)) {
    throw new WebhookError(
      401,
      `${provider} delivery with a wrong secret in ${header}`
    );
  }
}

/**
 * Accepts a delivery whose URL carries `?token=<secret>`.
 *
 * @throws WebhookError 401 otherwise, or when no secret is configured.
 */
export function requireUrlToken(
  delivery: WebhookDelivery,
  secret: string | undefined,
  provider: string
): void {
  const configured = requireSecret(secret, provider);
  if (delivery.query.token === undefined) {
    throw new WebhookError(
      401,
      `${provider} delivery without the URL token: configure the webhook URL with ?token=<secret>`
    );
  }
  if (!hasUrlToken(delivery, configured)) {
    throw new WebhookError(401, `${provider} delivery with a wrong URL token`);
  }
}

/** The configured secret, or a 401 saying the provider is not set up. */
export function requireSecret(
  secret: string | undefined,
  provider: string
): string {
  if (!secret) {
    throw new WebhookError(
      401,
      `${provider} webhooks have no secret configured: every delivery is refused`
    );
  }
  return secret;
}

/**
 * Parses the body as JSON.
 *
 * @throws WebhookError 400 when it is not JSON.
 */
export function readJson(delivery: WebhookDelivery, provider: string): unknown {
  if (delivery.body.byteLength > MAX_WEBHOOK_BODY_BYTES) {
    throw new WebhookError(
      400,
      `${provider} delivery of ${delivery.body.byteLength} bytes exceeds ${MAX_WEBHOOK_BODY_BYTES}`
    );
  }
  try {
    return JSON.parse(Buffer.from(delivery.body).toString('utf8'));
  } catch (error) {
    throw new WebhookError(
      400,
      `${provider} delivery body is not JSON: ${(error as Error).message}`
    );
  }
}
