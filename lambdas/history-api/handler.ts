/**
 * The history API (API Gateway REST, Lambda proxy integration): read-only
 * views of scan history for teams, the CLI and a web page.
 *
 * - `GET /scans?registry=&repository=&tag=&status=&since=&until=&limit=&cursor=`:
 *   scans of a repository, or failures across repositories with
 *   `status=fail|error` and no repository;
 * - `GET /scans/{digest}`: the newest scan of an image digest, full report;
 * - `GET /repositories/{repository}/scans?registry=…`: the repository name
 *   may contain slashes (API Gateway resource `/repositories/{proxy+}`).
 *
 * Lists answer `{items, cursor}`; bad parameters answer 400 with
 * `{message}`, unknown scans and routes 404. The handler is thin: it reads
 * the event, calls one `lib/usecases/history.ts` query, and shapes JSON.
 */

import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { S3Client } from '@aws-sdk/client-s3';
import { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import middy from '@middy/core';
import httpErrorHandler from '@middy/http-error-handler';
import httpHeaderNormalizer from '@middy/http-header-normalizer';
import httpRouterHandler from '@middy/http-router';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import { DynamoScanStore } from '../../lib/adapters/aws/dynamo-scan-store.js';
import { ConfigError } from '../../lib/engine/errors.js';
import type { ScanStore } from '../../lib/ports/scan-store.js';
import {
  latestScanOfDigest,
  listRepositoryScans,
  listScans,
} from '../../lib/usecases/history.js';
import { loadConfig } from '../shared/config.js';

/** What the handler needs. */
export interface HistoryApiDeps {
  readonly store: ScanStore;
  readonly logger?: Logger;
}

type Route = (event: APIGatewayProxyEvent) => Promise<APIGatewayProxyResult>;

const json = (statusCode: number, body: unknown): APIGatewayProxyResult => ({
  statusCode,
  headers: { 'content-type': 'application/json' },
  body: JSON.stringify(body),
});

const notFound = (message: string) => json(404, { message });

/**
 * Bad parameters (`ConfigError`) are the caller's to fix: 400. Anything
 * else, a misconfigured table included, is ours: 500.
 */
function guarded(route: Route): Route {
  return async (event) => {
    try {
      return await route(event);
    } catch (error) {
      if (error instanceof ConfigError) {
        return json(400, { message: error.message });
      }
      throw error;
    }
  };
}

const REPOSITORY_SCANS = /^\/repositories\/(.+?)\/scans\/?$/;

/**
 * Builds the handler around a store.
 *
 * @example
 * const handler = createHandler({ store: new MemoryScanStore() });
 * const response = await handler(event, context);
 */
export function createHandler(deps: HistoryApiDeps) {
  const { store } = deps;
  const logger =
    deps.logger ?? new Logger({ serviceName: 'archscan-history-api' });
  const query = (event: APIGatewayProxyEvent) =>
    event.queryStringParameters ?? {};

  const routes = [
    {
      method: 'GET' as const,
      path: '/scans',
      handler: guarded(async (event) =>
        json(200, await listScans(store, query(event)))
      ),
    },
    {
      method: 'GET' as const,
      path: '/scans/{digest}',
      handler: guarded(async (event) => {
        const digest = decodeURIComponent(event.pathParameters?.digest ?? '');
        const record = await latestScanOfDigest(store, digest);
        return record ? json(200, record) : notFound(`no scan of ${digest}`);
      }),
    },
    {
      method: 'GET' as const,
      path: '/repositories/{proxy+}',
      handler: guarded(async (event) => {
        // Read from the path itself: `{proxy}` means different things
        // depending on where the API's greedy resource sits.
        const match = REPOSITORY_SCANS.exec(event.path);
        if (!match?.[1]) return notFound(`no route for ${event.path}`);
        const repository = decodeURIComponent(match[1]);
        return json(
          200,
          await listRepositoryScans(store, repository, query(event))
        );
      }),
    },
  ];

  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger))
    .use(httpHeaderNormalizer())
    .use(
      // Last: its onError runs first. Internal details stay in the log.
      httpErrorHandler({
        logger: (error: unknown) =>
          logger.error('request failed', error as Error),
        fallbackMessage: JSON.stringify({ message: 'internal error' }),
      })
    )
    .handler(httpRouterHandler(routes));
}

// Composition root: clients built once per cold start.
const config = loadConfig();
const documentClient = DynamoDBDocumentClient.from(new DynamoDBClient({}));

/** The deployed handler, configured from the environment. */
export const handler = createHandler({
  store: new DynamoScanStore({
    client: documentClient,
    tableName: config.tableName,
    ttlDays: config.scanTtlDays,
    ...(config.reportsBucket
      ? { s3: { client: new S3Client({}), bucket: config.reportsBucket } }
      : {}),
  }),
});
