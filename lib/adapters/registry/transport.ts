/**
 * One try of a GET against a registry: authorization, the 401 challenge
 * round, and redirects followed by hand (OCI distribution-spec "Pulling
 * blobs"; reference/oci-and-registries.md §1.3, §1.5). Redirects are
 * followed with fresh requests so `Authorization` only ever reaches the
 * registry's own origin: pre-signed object-store URLs reject a second
 * credential, and the spec forbids forwarding it across hosts. Retrying
 * is the caller's choice (see `retry.ts`); this module reports whether a
 * failure is worth repeating. A redirect to a URL with credentials in it
 * is refused: nothing a registry sends may make the scanner log in
 * somewhere else. Which hosts and addresses a redirect may reach is the
 * dispatcher's decision (`egress-dispatcher.ts`).
 */
import { type Dispatcher, request } from 'undici';
import { EgressRefusedError, RegistryError } from '../../engine/errors.js';
import type { Authenticator } from './auth.js';
import { discard, headerValue, headerValues } from './body.js';
import {
  connectionError,
  type RequestContext,
  redactUrl,
  responseError,
} from './registry-errors.js';
import { type Attempt, parseRetryAfter } from './retry.js';

/** Redirect hops followed per request; object stores need one, CDNs two. */
export const MAX_REDIRECTS = 5;

const REDIRECT_STATUSES: ReadonlySet<number> = new Set([
  301, 302, 303, 307, 308,
]);

/** Settings shared by every request to one registry. */
export interface TransportOptions {
  /** `host[:port]` */
  readonly registry: string;
  /** `https://host[:port]` or `http://…` for insecure registries. */
  readonly baseUrl: URL;
  readonly dispatcher: Dispatcher;
  readonly userAgent: string;
  readonly authenticator: Authenticator;
  readonly now: () => number;
}

/** One GET to make. */
export interface TransportRequest {
  readonly repository: string;
  /** Path below the registry root, e.g. `/v2/team/app/manifests/latest`. */
  readonly path: string;
  /** What is fetched, for messages (`manifest latest`). */
  readonly what: string;
  readonly headers?: Readonly<Record<string, string>>;
  readonly signal?: AbortSignal;
  /** Buffering of the response body; larger means larger chunks. */
  readonly highWaterMark?: number;
}

/** Makes single authenticated GETs against one registry. */
export class Transport {
  constructor(private readonly options: TransportOptions) {}

  /**
   * One try: returns a 200/206 response whose body the caller must read or
   * destroy, or the error for any other status (with `Retry-After` when
   * sent). Thrown errors are connection failures or non-HTTP problems.
   */
  async attempt(
    transportRequest: TransportRequest
  ): Promise<Attempt<Dispatcher.ResponseData>> {
    const { authenticator } = this.options;
    const { repository, signal } = transportRequest;
    let sent = await authenticator.authorization(repository, signal);
    let result = await this.follow(transportRequest, sent);
    if (result.statusCode === 401 && result.fromRegistry) {
      const next = await authenticator.challenge(
        repository,
        headerValues(result.response.headers, 'www-authenticate'),
        sent,
        signal
      );
      if (next !== undefined) {
        await discard(result.response.body);
        sent = next;
        result = await this.follow(transportRequest, sent);
        if (result.statusCode === 401) authenticator.forget(repository);
      }
    }
    const { response } = result;
    if (response.statusCode === 200 || response.statusCode === 206) {
      return { value: response };
    }
    // An anonymous bearer token is not a credential the user can fix.
    const authenticated =
      response.statusCode === 401 && (await authenticator.hasCredentials());
    const error = await responseError(
      response,
      this.context(transportRequest, authenticated)
    );
    const retryAfterMs = parseRetryAfter(
      headerValue(response.headers, 'retry-after'),
      this.options.now()
    );
    return { error, retryAfterMs };
  }

  private context(
    transportRequest: TransportRequest,
    authenticated: boolean
  ): RequestContext {
    return {
      registry: this.options.registry,
      repository: transportRequest.repository,
      what: transportRequest.what,
      authenticated,
    };
  }

  /** Sends the request, following up to MAX_REDIRECTS redirects by hand. */
  private async follow(
    transportRequest: TransportRequest,
    authorization: string | undefined
  ): Promise<{
    response: Dispatcher.ResponseData;
    statusCode: number;
    fromRegistry: boolean;
  }> {
    const { baseUrl } = this.options;
    let url = new URL(transportRequest.path, baseUrl);
    for (let hop = 0; ; hop++) {
      const fromRegistry = url.origin === baseUrl.origin;
      const headers: Record<string, string> = {
        'user-agent': this.options.userAgent,
        ...transportRequest.headers,
      };
      if (fromRegistry && authorization) headers.authorization = authorization;
      const response = await this.send(url, headers, transportRequest);
      const { statusCode } = response;
      if (!REDIRECT_STATUSES.has(statusCode)) {
        return { response, statusCode, fromRegistry };
      }
      await discard(response.body);
      url = this.redirectTarget(url, response, hop, transportRequest);
    }
  }

  private redirectTarget(
    from: URL,
    response: Dispatcher.ResponseData,
    hop: number,
    transportRequest: TransportRequest
  ): URL {
    const { registry } = this.options;
    const what = `${transportRequest.what} from ${registry}`;
    const fail = (message: string) =>
      new RegistryError(message, { status: response.statusCode });
    if (hop + 1 > MAX_REDIRECTS) {
      throw fail(
        `too many redirects fetching ${what}: stopped after ${MAX_REDIRECTS}; check the registry's storage redirect settings`
      );
    }
    const location = headerValue(response.headers, 'location');
    let target: URL | undefined;
    try {
      target = location ? new URL(location, from) : undefined;
    } catch {
      target = undefined;
    }
    if (!target || !/^https?:$/.test(target.protocol)) {
      throw fail(
        `redirect without a usable location fetching ${what}: the registry is misconfigured`
      );
    }
    if (target.username || target.password) {
      throw new EgressRefusedError(
        `refusing a redirect to a url with credentials in it (${redactUrl(target)}) fetching ${what}: the registry or its storage is misconfigured`
      );
    }
    if (from.protocol === 'https:' && target.protocol === 'http:') {
      throw fail(
        `refusing a redirect from https to plain http (${redactUrl(target)}) fetching ${what}`
      );
    }
    return target;
  }

  private async send(
    url: URL,
    headers: Record<string, string>,
    transportRequest: TransportRequest
  ): Promise<Dispatcher.ResponseData> {
    try {
      return await request(url, {
        dispatcher: this.options.dispatcher,
        method: 'GET',
        headers,
        signal: transportRequest.signal,
        // undici 7's request() never follows redirects itself (that takes a
        // redirect interceptor), so every hop passes through follow().
        highWaterMark: transportRequest.highWaterMark,
      });
    } catch (error) {
      throw connectionError(
        error,
        this.options.registry,
        transportRequest.signal
      );
    }
  }
}
