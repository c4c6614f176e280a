/**
 * The `RegistryAuth` port: where registry credentials come from. The HTTP
 * registry adapter asks it per registry host; Docker config files,
 * credential helpers and Amazon ECR tokens all arrive through it, so the
 * registry client never imports an SDK.
 */

/** Credentials for one registry. */
export type Credentials =
  | {
      readonly kind: 'basic';
      readonly username: string;
      readonly password: string;
    }
  /** An identity (refresh) token, sent to the token service as a refresh_token grant. */
  | { readonly kind: 'identity-token'; readonly token: string }
  /** A complete `Authorization` header value, e.g. ECR's `Basic …` token. */
  | {
      readonly kind: 'header';
      readonly value: string;
      readonly expiresAt?: Date;
    };

export interface RegistryAuth {
  /** Credentials for `registry` (host[:port]), or undefined for anonymous access. */
  credentialsFor(registry: string): Promise<Credentials | undefined>;
}
