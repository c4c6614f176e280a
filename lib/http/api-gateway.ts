/**
 * API Gateway REST proxy events (payload 1.0) to plain `HttpRequest`s and
 * back. Bodies flagged `isBase64Encoded` are decoded to their raw bytes,
 * which webhook signatures cover (reference aws-notifications.md §4.4);
 * header names are lower-cased and repeated headers joined with `, `;
 * repeated query parameters are joined with `,`.
 */
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { HttpHandler, HttpRequest, HttpResponse } from './types.js';

/**
 * The request an event carries.
 *
 * @example fromApiGateway(event).body // raw bytes, base64 already decoded
 */
export function fromApiGateway(event: APIGatewayProxyEvent): HttpRequest {
  return {
    method: event.httpMethod.toUpperCase(),
    path: routePath(event),
    query: merge(
      event.queryStringParameters,
      event.multiValueQueryStringParameters,
      ',',
      (name) => name
    ),
    headers: merge(event.headers, event.multiValueHeaders, ', ', (name) =>
      name.toLowerCase()
    ),
    body: bodyBytes(event),
  };
}

/**
 * The path as the API's resources see it. `event.path` carries a custom
 * domain's base path (and sometimes the stage) in front; the resource
 * template with its parameters filled in does not.
 *
 * @example routePath({ resource: '/webhooks/{provider}', pathParameters: { provider: 'ghcr' }, path: '/v1/webhooks/ghcr' }) // '/webhooks/ghcr'
 */
function routePath(
  event: Pick<APIGatewayProxyEvent, 'resource' | 'pathParameters' | 'path'>
): string {
  const { resource, pathParameters } = event;
  if (!resource || resource === '/{proxy+}') return decodePath(event.path);
  let missing = false;
  const filled = resource.replace(/\{([^}+]+)\+?\}/g, (_, name: string) => {
    const value = pathParameters?.[name];
    if (value === undefined) missing = true;
    return value ?? '';
  });
  return missing ? decodePath(event.path) : filled;
}

/**
 * The proxy result for a response.
 *
 * @example toApiGateway(jsonResponse(202, { queued: 1 })).statusCode // 202
 */
export function toApiGateway(response: HttpResponse): APIGatewayProxyResult {
  return {
    statusCode: response.status,
    headers: { ...(response.headers ?? {}) },
    body: response.body,
    isBase64Encoded: false,
  };
}

/**
 * A Lambda proxy handler around a plain handler.
 *
 * @example export const handler = middy(apiGatewayHandler(createRouter(routes)));
 */
export function apiGatewayHandler(
  handler: HttpHandler
): (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult> {
  return async (event) => toApiGateway(await handler(fromApiGateway(event)));
}

function bodyBytes(event: APIGatewayProxyEvent): Uint8Array {
  if (event.body === null || event.body === undefined) return new Uint8Array();
  return event.isBase64Encoded
    ? Buffer.from(event.body, 'base64')
    : Buffer.from(event.body, 'utf8');
}

/** The path percent-decoded; a malformed escape leaves it as sent. */
function decodePath(path: string): string {
  try {
    return decodeURIComponent(path);
  } catch {
    return path;
  }
}

/**
 * Single- and multi-value maps as one map. Multi-value entries win (they
 * hold every value; the single map only the last); names are folded by
 * `name`, so `Host` and `host` become one entry.
 */
function merge(
  single: Readonly<Record<string, string | undefined>> | null | undefined,
  multi: Readonly<Record<string, string[] | undefined>> | null | undefined,
  separator: string,
  name: (raw: string) => string
): Record<string, string> {
  const values = new Map<string, string[]>();
  for (const [raw, value] of Object.entries(single ?? {})) {
    if (value !== undefined) values.set(name(raw), [value]);
  }
  const fromMulti = new Map<string, string[]>();
  for (const [raw, list] of Object.entries(multi ?? {})) {
    if (!list || list.length === 0) continue;
    const key = name(raw);
    fromMulti.set(key, [...(fromMulti.get(key) ?? []), ...list]);
  }
  for (const [key, list] of fromMulti) values.set(key, list);
  return Object.fromEntries(
    [...values].map(([key, list]) => [key, list.join(separator)])
  );
}
