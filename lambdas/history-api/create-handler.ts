/**
 * The history API's Lambda handler (API Gateway REST, Lambda proxy
 * integration) around its dependencies: the routes of
 * `lib/http/history-routes.ts`, served through the plain HTTP router that
 * `archscan serve` uses too, inside middy with the Powertools logger.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { apiGatewayHandler } from '../../lib/http/api-gateway.js';
import { historyRoutes } from '../../lib/http/history-routes.js';
import { createRouter, logFailures } from '../../lib/http/router.js';
import type { ScanStore } from '../../lib/ports/scan-store.js';

/** What the handler needs. */
export interface HistoryApiDeps {
  readonly store: ScanStore;
  readonly logger?: Logger;
  /** Bearer token every request must carry; unset, API Gateway guards the API. */
  readonly token?: string;
}

/**
 * Builds the handler around a store.
 *
 * @example
 * const handler = createHandler({ store: new MemoryScanStore() });
 * const response = await handler(event, context);
 */
export function createHandler(deps: HistoryApiDeps) {
  const logger =
    deps.logger ?? new Logger({ serviceName: 'archscan-history-api' });
  const router = createRouter(
    historyRoutes({
      store: deps.store,
      ...(deps.token === undefined ? {} : { token: deps.token }),
    }),
    { log: logFailures(logger) }
  );
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger))
    .handler(apiGatewayHandler(router));
}
