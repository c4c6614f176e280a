/**
 * Per-registry authentication state for `HttpRegistry`: which scheme the
 * registry asked for, and bearer tokens cached per scope until shortly
 * before they expire (reference/oci-and-registries.md §1.5; distribution
 * `docs/spec/auth/token.md`). Credentials come from the `RegistryAuth`
 * port on every use, so sources that rotate them (ECR) are honoured.
 *
 * - Nothing is sent until the registry challenges, except `header`
 *   credentials (ECR's `Basic <token>`), which are sent as they are.
 * - After a Basic challenge, Basic credentials go with every request.
 * - After a Bearer challenge, a token for `repository:<name>:pull` is
 *   fetched and reused; a 401 with that token (for example
 *   `error="insufficient_scope"`) drops it and asks again with the
 *   challenge's scope.
 */
import type { Dispatcher } from 'undici';
import type { Credentials, RegistryAuth } from '../../ports/registry-auth.js';
import { findChallenge, parseChallenges } from './challenge.js';
import {
  authorizationFor,
  type BearerToken,
  fetchBearerToken,
} from './token-auth.js';

/**
 * Tokens are dropped this long before they expire: a request started just
 * before expiry may reach the registry after it; `expires_in` is ≥ 60 s.
 */
export const TOKEN_EXPIRY_MARGIN_MS = 10_000;

/** Settings for an {@link Authenticator}. */
export interface AuthenticatorOptions {
  /** `host[:port]` the credentials are looked up for. */
  readonly registry: string;
  readonly auth?: RegistryAuth;
  readonly dispatcher: Dispatcher;
  readonly userAgent: string;
  /** Clock in ms since the epoch (tests inject one). */
  readonly now?: () => number;
}

/** The scope a scanner needs on one repository. */
export function pullScope(repository: string): string {
  return `repository:${repository}:pull`;
}

/** Decides the `Authorization` header for each request to one registry. */
export class Authenticator {
  private scheme: 'basic' | 'bearer' | undefined;
  private bearer: { realm: string; service?: string } | undefined;
  private readonly tokens = new Map<string, BearerToken>();
  private readonly pending = new Map<string, Promise<BearerToken>>();
  private readonly now: () => number;

  constructor(private readonly options: AuthenticatorOptions) {
    this.now = options.now ?? Date.now;
  }

  /**
   * The header to send before any challenge on this request, or undefined
   * to go anonymous.
   */
  async authorization(
    repository: string,
    signal?: AbortSignal
  ): Promise<string | undefined> {
    const credentials = await this.credentials();
    if (this.scheme === 'bearer' && this.bearer) {
      const scope = pullScope(repository);
      const token = await this.token(scope, [scope], credentials, signal);
      return `Bearer ${token.token}`;
    }
    if (this.scheme === 'basic' || credentials?.kind === 'header') {
      return credentials && authorizationFor(credentials);
    }
    return undefined;
  }

  /**
   * Answers a 401: returns the header to retry with, or undefined when
   * nothing new can be tried (no credentials, or these were refused).
   *
   * @param sent The `Authorization` value the refused request carried.
   */
  async challenge(
    repository: string,
    wwwAuthenticate: string | readonly string[] | undefined,
    sent: string | undefined,
    signal?: AbortSignal
  ): Promise<string | undefined> {
    const challenges = parseChallenges(wwwAuthenticate);
    const bearer = findChallenge(challenges, 'bearer');
    const credentials = await this.credentials();
    const realm = bearer?.params.realm;
    if (bearer && realm) {
      this.scheme = 'bearer';
      this.bearer = { realm, service: bearer.params.service };
      const scope = pullScope(repository);
      const asked = (bearer.params.scope ?? '').split(' ').filter(Boolean);
      const scopes = [...new Set([scope, ...asked])];
      this.tokens.delete(scope);
      const token = await this.token(scope, scopes, credentials, signal);
      const header = `Bearer ${token.token}`;
      return header === sent ? undefined : header;
    }
    const header = credentials && authorizationFor(credentials);
    if (header === undefined || header === sent) return undefined;
    this.scheme = 'basic';
    return header;
  }

  /** True when the auth source has credentials for this registry. */
  async hasCredentials(): Promise<boolean> {
    return (await this.credentials()) !== undefined;
  }

  /**
   * Forgets the token for `repository` after the registry refused it even
   * right after a challenge, so the next request starts over.
   */
  forget(repository: string): void {
    this.tokens.delete(pullScope(repository));
  }

  private credentials(): Promise<Credentials | undefined> {
    return this.options.auth
      ? this.options.auth.credentialsFor(this.options.registry)
      : Promise.resolve(undefined);
  }

  /** A cached token for `key`, or a fresh one (one fetch per key at a time). */
  private async token(
    key: string,
    scopes: readonly string[],
    credentials: Credentials | undefined,
    signal: AbortSignal | undefined
  ): Promise<BearerToken> {
    const cached = this.tokens.get(key);
    if (cached && cached.expiresAt - TOKEN_EXPIRY_MARGIN_MS > this.now()) {
      return cached;
    }
    const inFlight = this.pending.get(key);
    if (inFlight) return inFlight;
    const bearer = this.bearer ?? { realm: '' };
    const fetching = fetchBearerToken({
      realm: bearer.realm,
      service: bearer.service,
      scopes,
      credentials,
      registry: this.options.registry,
      dispatcher: this.options.dispatcher,
      userAgent: this.options.userAgent,
      now: this.now,
      signal,
    })
      .then((token) => {
        this.tokens.set(key, token);
        return token;
      })
      .finally(() => this.pending.delete(key));
    this.pending.set(key, fetching);
    return fetching;
  }
}
