/**
 * Registry webhooks (reference/oci-and-registries.md §7): one provider
 * module per registry turns an authenticated HTTP delivery into the images
 * it says were pushed. A webhook is only a hint: the scan resolves the
 * reference against the registry itself, and only registries on the
 * allowlist are ever contacted (`lib/engine/egress/`).
 */
import type { JWTVerifyGetKey } from 'jose';

/** Providers archscan accepts deliveries from, as they appear in `/webhooks/{provider}`. */
export const PROVIDER_NAMES = [
  'distribution',
  'dockerhub',
  'harbor',
  'ghcr',
  'quay',
  'acr',
  'gar',
  'jfrog',
] as const;

export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** True when `name` is a provider archscan knows. */
export function isProviderName(name: string): name is ProviderName {
  return (PROVIDER_NAMES as readonly string[]).includes(name);
}

/** One HTTP delivery as received, before anything in it is trusted. */
export interface WebhookDelivery {
  /** Header names in lower case; repeated headers joined with `, `. */
  readonly headers: Readonly<Record<string, string>>;
  /** The raw body, byte for byte as sent: signatures cover these bytes. */
  readonly body: Uint8Array;
  /** Query parameters; an unguessable URL token arrives as `token`. */
  readonly query: Readonly<Record<string, string>>;
  readonly receivedAt: Date;
}

/** How a provider proves a delivery is its own. */
export type AuthMethod =
  /** HMAC-SHA256 of the raw body with the shared secret (GHCR `X-Hub-Signature-256`). */
  | 'hmac-sha256'
  /** The shared secret in a header the provider lets you configure (or the URL token). */
  | 'header'
  /** Nothing signed: an unguessable token in the URL (`?token=`). */
  | 'url-token'
  /** A Google-signed OIDC JWT in `Authorization` (Pub/Sub push authentication). */
  | 'oidc';

/** Pub/Sub push authentication settings (Google Artifact Registry). */
export interface OidcSettings {
  /** The `aud` claim expected (the push subscription's audience, by default the endpoint URL). */
  readonly audience: string;
  /** The service account e-mail expected in the `email` claim, when set. */
  readonly email?: string;
  /** Resolves the signing key (jose `createRemoteJWKSet`, or a local set in tests). */
  readonly keys: JWTVerifyGetKey;
  /** Accepted issuers; default `accounts.google.com` and `https://accounts.google.com`. */
  readonly issuers?: readonly string[];
}

/** What one provider is configured with. */
export interface ProviderCredentials {
  /** Shared secret: HMAC key, expected header value, or URL token. */
  readonly secret?: string;
  readonly oidc?: OidcSettings;
}

/** An image a delivery says was pushed: the hint a scan request is made from. */
export interface PushedImage {
  /** Registry `host[:port]` the payload names; absent when it names none (JFrog). */
  readonly registry?: string;
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
  /** The manifest media type, when the payload gives it. */
  readonly mediaType?: string;
}

/** What a provider reads from an authenticated delivery. */
export type ParsedDelivery =
  | {
      readonly kind: 'push';
      /** Pushed images, one per manifest event the delivery carries. */
      readonly images: readonly PushedImage[];
      /**
       * What makes this delivery unique, for replay detection: the same id
       * twice within the replay window is a replay. Prefer content covered
       * by the signature (event ids, a digest of the raw body when the body
       * carries a unique id or time). Absent when nothing in the delivery is
       * unique (Quay): such deliveries are only coalesced.
       */
      readonly deliveryId?: string;
      /** When the provider says the event happened, for the staleness check. */
      readonly sentAt?: Date;
      /** Events in the delivery that were not manifest pushes (blob pushes, pulls, deletes). */
      readonly ignored: number;
    }
  | { readonly kind: 'ping'; readonly deliveryId?: string }
  | {
      readonly kind: 'ignored';
      /** Why nothing is scanned, for the answer and the log (`event PULL_ARTIFACT`). */
      readonly reason: string;
      readonly deliveryId?: string;
    };

/** One registry's webhook format. */
export interface WebhookProvider {
  readonly name: ProviderName;
  /** How people call it: `Docker Hub`. */
  readonly title: string;
  /** The documentation the payload shapes follow. */
  readonly docs: string;
  readonly auth: AuthMethod;
  /**
   * Resolves when the delivery is authentic under `credentials`.
   *
   * @throws WebhookError 401 for a missing, wrong or forged credential, or
   *   when `credentials` lack what this provider needs.
   */
  authenticate(
    delivery: WebhookDelivery,
    credentials: ProviderCredentials
  ): Promise<void>;
  /**
   * Reads an authenticated delivery.
   *
   * @throws WebhookError 400 naming what is wrong with the body.
   */
  parse(delivery: WebhookDelivery): ParsedDelivery;
}
