/**
 * The history API's routes: read-only views of scan history for teams,
 * the CLI and a web page, served by the history-api Lambda and by
 * `archscan serve`.
 *
 * - `GET /scans?registry=&repository=&tag=&status=&since=&until=&limit=&cursor=`:
 *   scans of a repository, or failures across repositories with
 *   `status=fail|error` and no repository;
 * - `GET /scans/{digest}`: the newest scan of an image digest, full report;
 * - `GET /repositories/{repository+}/scans?registry=…`: the repository
 *   name may contain slashes.
 *
 * Lists answer `{items, cursor}`; bad parameters answer 400 and unknown
 * scans 404, each with `{message}`. With a token configured, every route
 * wants `Authorization: Bearer <token>` and answers 401 without it.
 */
import { safeEqual } from '../engine/webhooks/verify.js';
import type { ScanStore } from '../ports/scan-store.js';
import {
  latestScanOfDigest,
  listRepositoryScans,
  listScans,
} from '../usecases/history.js';
import { jsonResponse, type Route, type RouteHandler } from './router.js';

/** Options of {@link historyRoutes}. */
export interface HistoryRoutesOptions {
  readonly store: ScanStore;
  /** Bearer token every request must carry; unset, the API is open. */
  readonly token?: string;
}

/**
 * The three history routes.
 *
 * @example
 * const handle = createRouter(historyRoutes({ store, token: config.api.token }), { log });
 */
export function historyRoutes(options: HistoryRoutesOptions): Route[] {
  const { store } = options;
  const guard = (handler: RouteHandler): RouteHandler =>
    options.token === undefined ? handler : bearer(options.token, handler);
  return [
    {
      method: 'GET',
      path: '/scans',
      handler: guard(async (request) =>
        jsonResponse(200, await listScans(store, request.query))
      ),
    },
    {
      method: 'GET',
      path: '/scans/{digest}',
      handler: guard(async (_, { digest = '' }) => {
        const record = await latestScanOfDigest(store, digest);
        return record
          ? jsonResponse(200, record)
          : jsonResponse(404, { message: `no scan of ${digest}` });
      }),
    },
    {
      method: 'GET',
      path: '/repositories/{repository+}/scans',
      handler: guard(async (request, { repository = '' }) =>
        jsonResponse(
          200,
          await listRepositoryScans(store, repository, request.query)
        )
      ),
    },
  ];
}

/** Answers 401 unless the request carries `Authorization: Bearer <token>`. */
function bearer(token: string, handler: RouteHandler): RouteHandler {
  return async (request, params) => {
    const given = /^bearer\s+(.+)$/i.exec(
      request.headers.authorization ?? ''
    )?.[1];
    if (given !== undefined && safeEqual(given.trim(), token)) {
      return handler(request, params);
    }
    return jsonResponse(
      401,
      {
        message:
          given === undefined
            ? 'the history API needs an Authorization: Bearer <token> header'
            : 'wrong bearer token for the history API',
      },
      { 'www-authenticate': 'Bearer realm="archscan"' }
    );
  };
}
