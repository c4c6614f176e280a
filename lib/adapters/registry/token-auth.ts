/**
 * The Distribution token flow (distribution `docs/spec/auth/token.md` and
 * `oauth.md`; reference/oci-and-registries.md §1.5): after a Bearer
 * challenge, ask the challenge's `realm` for a token covering `scope`.
 * Basic credentials go along as `Authorization` on a GET; an identity
 * (refresh) token goes as an OAuth2 `refresh_token` grant in a POST form.
 * The answer carries `token` and/or `access_token` and `expires_in`.
 */
import { type Dispatcher, request } from 'undici';
import { RegistryError } from '../../engine/errors.js';
import type { Credentials } from '../../ports/registry-auth.js';
import { headerValue, readCapped } from './body.js';
import { connectionError, redactUrl } from './registry-errors.js';
import { isRetryableStatus } from './retry.js';

/** Token responses are small JSON documents; 1 MiB leaves room for big JWTs. */
const MAX_TOKEN_RESPONSE_BYTES = 1024 * 1024;

/** token.md: "if omitted, clients should assume 60 seconds"; also the minimum. */
export const DEFAULT_TOKEN_LIFETIME_S = 60;

/** Sent as `client_id`, which oauth.md requires on POST grants. */
const CLIENT_ID = 'archscan';

/** A bearer token and the time (ms since epoch) it stops being valid. */
export interface BearerToken {
  readonly token: string;
  readonly expiresAt: number;
}

/** Everything needed to ask a token service for one token. */
export interface TokenRequest {
  /** `realm` from the challenge. */
  readonly realm: string;
  /** `service` from the challenge, when sent. */
  readonly service?: string;
  /** Scopes such as `repository:team/app:pull`. */
  readonly scopes: readonly string[];
  readonly credentials?: Credentials;
  /** The registry asking, for messages. */
  readonly registry: string;
  readonly dispatcher: Dispatcher;
  readonly userAgent: string;
  readonly now: () => number;
  readonly signal?: AbortSignal;
}

/**
 * Asks the token service for a bearer token.
 *
 * @throws RegistryError (`auth` for 401/403, retryable for 5xx and cut
 *   connections), LimitExceededError for an oversized answer.
 */
export async function fetchBearerToken(
  tokenRequest: TokenRequest
): Promise<BearerToken> {
  const realm = parseRealm(tokenRequest);
  const { credentials } = tokenRequest;
  const oauth = credentials?.kind === 'identity-token';
  const params = new URLSearchParams();
  if (tokenRequest.service) params.set('service', tokenRequest.service);
  for (const scope of tokenRequest.scopes) params.append('scope', scope);
  const headers: Record<string, string> = {
    'user-agent': tokenRequest.userAgent,
    accept: 'application/json',
  };
  if (oauth) {
    params.set('grant_type', 'refresh_token');
    params.set('refresh_token', credentials.token);
    params.set('client_id', CLIENT_ID);
    headers['content-type'] = 'application/x-www-form-urlencoded';
  } else {
    for (const [key, value] of params) realm.searchParams.append(key, value);
    const authorization = credentials && authorizationFor(credentials);
    if (authorization) headers.authorization = authorization;
  }
  let response: Dispatcher.ResponseData;
  try {
    response = await request(realm, {
      dispatcher: tokenRequest.dispatcher,
      method: oauth ? 'POST' : 'GET',
      headers,
      body: oauth ? params.toString() : undefined,
      signal: tokenRequest.signal,
    });
  } catch (error) {
    throw connectionError(error, realm.host, tokenRequest.signal);
  }
  return readToken(response, tokenRequest, realm);
}

/** The `Authorization` value that presents `credentials` directly. */
export function authorizationFor(credentials: Credentials): string | undefined {
  switch (credentials.kind) {
    case 'basic':
      return `Basic ${Buffer.from(
        `${credentials.username}:${credentials.password}`
      ).toString('base64')}`;
    case 'header':
      return credentials.value;
    case 'identity-token':
      return undefined;
  }
}

function parseRealm(tokenRequest: TokenRequest): URL {
  let realm: URL | undefined;
  try {
    realm = new URL(tokenRequest.realm);
  } catch {
    realm = undefined;
  }
  if (realm?.protocol !== 'https:' && realm?.protocol !== 'http:') {
    throw new RegistryError(
      `${tokenRequest.registry} sent a bearer challenge with an unusable realm: ask the registry operator to fix its token service address`,
      { code: 'auth' }
    );
  }
  return realm;
}

async function readToken(
  response: Dispatcher.ResponseData,
  tokenRequest: TokenRequest,
  realm: URL
): Promise<BearerToken> {
  const status = response.statusCode;
  if (status !== 200) {
    await response.body.dump().catch(() => undefined);
    const rejected = status === 401 || status === 403;
    throw new RegistryError(
      rejected
        ? `the token service ${redactUrl(realm)} refused a token for ${tokenRequest.registry} (status ${status}): run docker login again or fix the credentials`
        : `the token service ${redactUrl(realm)} for ${tokenRequest.registry} failed with status ${status}: retry later`,
      {
        status,
        code: rejected ? 'auth' : 'registry',
        retryable: isRetryableStatus(status),
      }
    );
  }
  const bytes = await readCapped(
    response.body,
    MAX_TOKEN_RESPONSE_BYTES,
    headerValue(response.headers, 'content-length'),
    `the token response from ${redactUrl(realm)}`
  ).catch((error: unknown) => {
    throw connectionError(error, realm.host, tokenRequest.signal);
  });
  return parseTokenResponse(bytes, tokenRequest, realm);
}

/**
 * Reads `token` (preferred) or `access_token`, and `expires_in` (default
 * and minimum 60 s), from a token service answer.
 */
export function parseTokenResponse(
  bytes: Uint8Array,
  tokenRequest: Pick<TokenRequest, 'registry' | 'now'>,
  realm: URL
): BearerToken {
  let body: unknown;
  try {
    body = JSON.parse(Buffer.from(bytes).toString('utf8'));
  } catch {
    body = undefined;
  }
  const fields = (typeof body === 'object' && body !== null ? body : {}) as {
    token?: unknown;
    access_token?: unknown;
    expires_in?: unknown;
  };
  const token = [fields.token, fields.access_token].find(
    (value): value is string => typeof value === 'string' && value !== ''
  );
  if (token === undefined) {
    throw new RegistryError(
      `the token service ${redactUrl(realm)} for ${tokenRequest.registry} answered without a token: check the registry's auth configuration`,
      { code: 'auth' }
    );
  }
  const lifetime =
    typeof fields.expires_in === 'number' && Number.isFinite(fields.expires_in)
      ? Math.max(DEFAULT_TOKEN_LIFETIME_S, fields.expires_in)
      : DEFAULT_TOKEN_LIFETIME_S;
  return { token, expiresAt: tokenRequest.now() + lifetime * 1000 };
}
