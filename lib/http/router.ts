/**
 * A small router over plain `HttpRequest`s, so the API Gateway handlers
 * and `archscan serve` answer every route with the same code. Routes are
 * `{method, path, handler}` with path patterns in API Gateway's syntax:
 * `{name}` matches one segment, `{name+}` one or more (slashes included,
 * as in repository names). Every answer is JSON; failures are
 * `{"message": …}`:
 *
 * - no route for the path: 404; a route for another method: 405 with `Allow`;
 * - `WebhookError`: its status (400, 401, 403, 404);
 * - `ConfigError` (bad parameters): 400;
 * - anything else: 500 `internal error`, with the error given to the log only.
 */
import { ConfigError, ScannerError, WebhookError } from '../engine/errors.js';
import type { HttpHandler, HttpRequest, HttpResponse } from './types.js';

/** Path parameters by name, as matched (the request path is already decoded). */
export type RouteParams = Readonly<Record<string, string>>;

export type RouteHandler = (
  request: HttpRequest,
  params: RouteParams
) => Promise<HttpResponse>;

/** One route: `{ method: 'GET', path: '/scans/{digest}', handler }`. */
export interface Route {
  /** Upper case: `GET`, `POST`. */
  readonly method: string;
  /** `/scans`, `/scans/{digest}`, `/repositories/{repository+}/scans`. */
  readonly path: string;
  readonly handler: RouteHandler;
}

/** A request that was not answered with success, for the log. */
export interface RequestFailure {
  readonly status: number;
  readonly request: HttpRequest;
  readonly error: unknown;
}

/** Options of {@link createRouter}. */
export interface RouterOptions {
  /**
   * Told about every failed request: refusals (4xx, with the error that
   * caused them) and unexpected failures (500, whose details go nowhere
   * else).
   */
  readonly log?: (failure: RequestFailure) => void;
}

/** Where {@link logFailures} writes; Powertools' `Logger` fits. */
export interface FailureLog {
  warn(message: string, ...extra: Record<string, unknown>[]): void;
  error(message: string, ...extra: Record<string, unknown>[]): void;
}

/**
 * A {@link RouterOptions.log} that writes refusals as warnings and
 * failures as errors, with method, path and status. The query is left
 * out: it may carry a webhook's URL token.
 *
 * @example createRouter(routes, { log: logFailures(logger) })
 */
export function logFailures(
  log: FailureLog
): (failure: RequestFailure) => void {
  return ({ status, request, error }) => {
    const where = { status, method: request.method, path: request.path };
    if (status >= 500) {
      log.error('request failed', { ...where, error });
    } else {
      log.warn('request refused', {
        ...where,
        ...(error instanceof Error ? { reason: error.message } : {}),
      });
    }
  };
}

const JSON_HEADERS = { 'content-type': 'application/json' } as const;

/**
 * A JSON response.
 *
 * @example jsonResponse(404, { message: 'no scan of sha256:…' })
 */
export function jsonResponse(
  status: number,
  body: unknown,
  headers: Readonly<Record<string, string>> = {}
): HttpResponse {
  return {
    status,
    headers: { ...JSON_HEADERS, ...headers },
    body: JSON.stringify(body),
  };
}

interface CompiledRoute extends Route {
  readonly pattern: RegExp;
  readonly names: readonly string[];
  /** Literal segments: more specific routes are tried first. */
  readonly literals: number;
}

/**
 * Builds a handler that dispatches to `routes`.
 *
 * @throws ConfigError for a malformed path pattern (two greedy
 *   parameters, a parameter that is not a whole segment).
 * @example
 * const handle = createRouter([{ method: 'GET', path: '/scans/{digest}', handler }], { log });
 * const response = await handle(request);
 */
export function createRouter(
  routes: readonly Route[],
  options: RouterOptions = {}
): HttpHandler {
  const compiled = routes.map(compile).sort((a, b) => b.literals - a.literals);
  return async (request) => {
    const path = normalizePath(request.path);
    const matching = compiled
      .map((route) => ({ route, match: route.pattern.exec(path) }))
      .filter(({ match }) => match !== null);
    if (matching.length === 0) {
      return refuse(404, `no route for ${shorten(path)}`, request, options);
    }
    const method = request.method.toUpperCase();
    const found = matching.find(({ route }) => route.method === method);
    if (!found?.match) {
      const allow = [...new Set(matching.map(({ route }) => route.method))];
      return refuse(
        405,
        `method ${shorten(method)} is not allowed on ${shorten(path)}; use ${allow.join(' or ')}`,
        request,
        options,
        { allow: allow.join(', ') }
      );
    }
    const params = Object.fromEntries(
      found.route.names.map((name, i) => [name, found.match?.[i + 1] ?? ''])
    );
    try {
      return await found.route.handler(request, params);
    } catch (error) {
      return failed(error, request, options);
    }
  };
}

/** The answer to an error a handler threw. */
function failed(
  error: unknown,
  request: HttpRequest,
  options: RouterOptions
): HttpResponse {
  const status =
    error instanceof WebhookError
      ? error.status
      : error instanceof ConfigError
        ? 400
        : 500;
  options.log?.({ status, request, error });
  const message =
    status === 500 || !(error instanceof ScannerError)
      ? 'internal error'
      : error.message;
  return jsonResponse(status, { message });
}

function refuse(
  status: number,
  message: string,
  request: HttpRequest,
  options: RouterOptions,
  headers: Readonly<Record<string, string>> = {}
): HttpResponse {
  options.log?.({ status, request, error: undefined });
  return jsonResponse(status, { message }, headers);
}

function compile(route: Route): CompiledRoute {
  const names: string[] = [];
  let greedy = 0;
  let literals = 0;
  const parts = normalizePath(route.path)
    .split('/')
    .map((segment) => {
      const param = /^\{([A-Za-z_][A-Za-z0-9_]*)(\+?)\}$/.exec(segment);
      if (!param) {
        if (/[{}]/.test(segment)) {
          throw new ConfigError(
            `route ${route.path}: a parameter must be a whole segment, like {name} or {name+}`
          );
        }
        literals += 1;
        return segment.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
      }
      names.push(param[1] ?? '');
      if (param[2]) greedy += 1;
      return param[2] ? '(.+)' : '([^/]+)';
    });
  if (greedy > 1) {
    throw new ConfigError(
      `route ${route.path}: at most one greedy {name+} parameter`
    );
  }
  return {
    ...route,
    method: route.method.toUpperCase(),
    pattern: new RegExp(`^${parts.join('/')}$`),
    names,
    literals,
  };
}

/** `/scans/` and `/scans` are one path. */
function normalizePath(path: string): string {
  return path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
}

/** Untrusted text, cut to a length fit for a message. */
function shorten(text: string): string {
  return text.length > 200 ? `${text.slice(0, 200)}…` : text;
}
