/**
 * A `WebhookProvider` fake for intake, route and handler tests. Its body
 * is the `ParsedDelivery` itself as JSON (`sentAt` as an ISO string), and
 * it authenticates like GHCR: `x-fake-signature: sha256=<hex HMAC-SHA256
 * of the raw body>`. It counts parse calls, so a test can prove nothing
 * was read before authentication.
 */
import { WebhookError } from '../../../lib/engine/errors.js';
import type {
  ParsedDelivery,
  ProviderCredentials,
  ProviderName,
  PushedImage,
  WebhookDelivery,
  WebhookProvider,
} from '../../../lib/engine/webhooks/types.js';
import {
  hmacSha256Hex,
  readJson,
  requireSecret,
  safeEqual,
} from '../../../lib/engine/webhooks/verify.js';

/** The header the fake's signature travels in. */
export const FAKE_SIGNATURE_HEADER = 'x-fake-signature';

/** What a fake delivery's body holds. */
export type FakeBody =
  | {
      kind: 'push';
      images: PushedImage[];
      deliveryId?: string;
      sentAt?: string;
      ignored?: number;
    }
  | { kind: 'ping'; deliveryId?: string }
  | { kind: 'ignored'; reason: string; deliveryId?: string };

export class FakeWebhookProvider implements WebhookProvider {
  readonly title = 'Fake registry';
  readonly docs = 'https://registry.example.com/docs/webhooks';
  readonly auth = 'hmac-sha256' as const;
  parses = 0;

  constructor(readonly name: ProviderName = 'distribution') {}

  async authenticate(
    delivery: WebhookDelivery,
    credentials: ProviderCredentials
  ): Promise<void> {
    const secret = requireSecret(credentials.secret, this.name);
    const given = delivery.headers[FAKE_SIGNATURE_HEADER] ?? '';
    const expected = `sha256=${hmacSha256Hex(secret, delivery.body)}`;
    if (!safeEqual(given, expected)) {
      throw new WebhookError(401, `${this.name} delivery with a bad signature`);
    }
  }

  parse(delivery: WebhookDelivery): ParsedDelivery {
    this.parses += 1;
    const json = readJson(delivery, this.name) as FakeBody | null;
    if (json?.kind === 'push') {
      const { sentAt, ignored, ...rest } = json;
      return {
        ...rest,
        ignored: ignored ?? 0,
        ...(sentAt ? { sentAt: new Date(sentAt) } : {}),
      };
    }
    if (json?.kind === 'ping' || json?.kind === 'ignored') return json;
    throw new WebhookError(400, `${this.name} delivery without a known kind`);
  }
}

/** A push body. */
export function fakePush(
  images: PushedImage[],
  extra: { deliveryId?: string; sentAt?: string; ignored?: number } = {}
): FakeBody {
  return { kind: 'push', images, ...extra };
}

/** The headers that sign `body` with `secret`. */
export function signFake(
  body: string | Uint8Array,
  secret: string
): Record<string, string> {
  const bytes = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  return { [FAKE_SIGNATURE_HEADER]: `sha256=${hmacSha256Hex(secret, bytes)}` };
}
