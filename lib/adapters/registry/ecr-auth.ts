/**
 * Amazon ECR credentials (reference/oci-and-registries.md §6.2):
 * `ecr:GetAuthorizationToken` returns base64(`AWS:<password>`), valid for
 * 12 hours, sent as is in `Authorization: Basic <token>`. One token covers
 * every registry the caller may reach, so a single cached token serves
 * all ECR hosts. The SDK call is injected: this adapter stays free of the
 * AWS SDK, and the AWS adapter supplies the function.
 */
import { RegistryError, ScannerError } from '../../engine/errors.js';
import type { Credentials, RegistryAuth } from '../../ports/registry-auth.js';

/** One `authorizationData` entry of GetAuthorizationToken. */
export interface EcrAuthorizationToken {
  /** base64(`AWS:<password>`) */
  readonly token: string;
  readonly expiresAt: Date;
  /** `https://<account>.dkr.ecr.<region>.amazonaws.com` */
  readonly proxyEndpoint: string;
}

/** Settings for {@link EcrAuth}. */
export interface EcrAuthOptions {
  /** Calls `ecr:GetAuthorizationToken` (wired up by the AWS adapter). */
  readonly getAuthorizationToken: () => Promise<EcrAuthorizationToken>;
  /** Clock in ms since the epoch (tests inject one). */
  readonly now?: () => number;
}

/**
 * Tokens are renewed this long before they expire: a scan that starts
 * with a nearly expired token could see it lapse halfway through a layer.
 */
export const ECR_TOKEN_REFRESH_MARGIN_MS = 5 * 60 * 1000;

/** `<account>.dkr.ecr[-fips].<region>.amazonaws.com[.cn]`, optionally `:443`. */
const ECR_HOST =
  /^\d{12}\.dkr\.ecr(?:-fips)?\.[a-z0-9-]+\.amazonaws\.com(?:\.cn)?(?::443)?$/;

/** True when `registry` is an Amazon ECR private registry host. */
export function isEcrHost(registry: string): boolean {
  return ECR_HOST.test(registry.trim().toLowerCase());
}

/**
 * `RegistryAuth` for ECR hosts; other hosts get undefined so a
 * `ChainAuth` can ask the next source.
 *
 * @example
 * const auth = new EcrAuth({ getAuthorizationToken: () => ecrTokenFromSdk(client) });
 * await auth.credentialsFor('123456789012.dkr.ecr.eu-west-1.amazonaws.com');
 * // { kind: 'header', value: 'Basic QVdTOi…', expiresAt }
 */
export class EcrAuth implements RegistryAuth {
  private cached: EcrAuthorizationToken | undefined;
  private pending: Promise<EcrAuthorizationToken> | undefined;
  private readonly now: () => number;

  constructor(private readonly options: EcrAuthOptions) {
    this.now = options.now ?? Date.now;
  }

  /** A `Basic` header for ECR hosts, renewed 5 minutes before expiry. */
  async credentialsFor(registry: string): Promise<Credentials | undefined> {
    if (!isEcrHost(registry)) return undefined;
    const token = await this.token();
    return {
      kind: 'header',
      value: `Basic ${token.token}`,
      expiresAt: token.expiresAt,
    };
  }

  private token(): Promise<EcrAuthorizationToken> {
    const cached = this.cached;
    if (
      cached &&
      cached.expiresAt.getTime() - ECR_TOKEN_REFRESH_MARGIN_MS > this.now()
    ) {
      return Promise.resolve(cached);
    }
    this.pending ??= this.fetch().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  private async fetch(): Promise<EcrAuthorizationToken> {
    let token: EcrAuthorizationToken;
    try {
      token = await this.options.getAuthorizationToken();
    } catch (error) {
      if (error instanceof ScannerError) throw error;
      throw new RegistryError(
        'cannot get an amazon ecr authorization token: check the aws credentials and the ecr:GetAuthorizationToken permission',
        { code: 'auth', cause: error }
      );
    }
    if (!token.token) {
      throw new RegistryError(
        'amazon ecr returned an empty authorization token: retry, or check the ecr:GetAuthorizationToken permission',
        { code: 'auth' }
      );
    }
    this.cached = token;
    return token;
  }
}
