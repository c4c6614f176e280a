import { Logger } from '@aws-lambda-powertools/logger';
import type { APIGatewayProxyResult } from 'aws-lambda';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { DynamoScanStore } from '../../../lib/adapters/aws/dynamo-scan-store.js';
import type { ScanRecord } from '../../../lib/engine/history/scan-record.js';
import {
  lambdaContext,
  type RestRequest,
  restEvent,
} from '../../support/api-gateway.js';
import {
  createArchscanTable,
  LOCAL_AWS,
  type LocalDynamo,
  startDynalite,
  uniqueTableName,
} from '../../support/dynalite.js';
import { digestOf, makeRecord, TestClock } from '../../support/scan-records.js';

type Invoke = (request: RestRequest) => Promise<APIGatewayProxyResult>;

const NOW = '2026-11-25T12:00:00.000Z';
const minutesAgo = (n: number) =>
  new Date(Date.parse(NOW) - n * 60_000).toISOString();

let dynamo: LocalDynamo;
let tableName: string;
let invoke: Invoke;
const records: ScanRecord[] = [];
const quiet = new Logger({ serviceName: 'test', logLevel: 'SILENT' });

beforeAll(async () => {
  // Prepare: the handler module reads its configuration when first imported.
  dynamo = await startDynalite();
  tableName = uniqueTableName('history');
  await createArchscanTable(dynamo.client, tableName);
  vi.stubEnv('TABLE_NAME', tableName);
  const { createHandler } = await import(
    '../../../lambdas/history-api/handler.js'
  );
  const store = new DynamoScanStore({
    client: dynamo.documentClient,
    tableName,
    clock: new TestClock(new Date(NOW)),
  });
  for (let i = 0; i < 30; i++) {
    const record = makeRecord({
      repository: i % 2 ? 'team/app' : 'team/tools/builder',
      tag: 'latest',
      scannedAt: minutesAgo(10 * i + 1),
      digest: digestOf(i),
      status: i % 5 === 0 ? 'fail' : 'pass',
    });
    records.push(record);
    await store.put(record);
  }
  const handler = createHandler({ store, logger: quiet });
  invoke = (request) => handler(restEvent(request), lambdaContext());
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await dynamo.stop();
});

const body = (response: APIGatewayProxyResult) => JSON.parse(response.body);

describe('history API', () => {
  it('lists scans of a repository newest first, page by page', async () => {
    // Act
    const first = await invoke({
      path: '/scans',
      resource: '/scans',
      query: {
        registry: 'registry.example.com',
        repository: 'team/app',
        limit: '10',
      },
    });
    const second = await invoke({
      path: '/scans',
      resource: '/scans',
      query: {
        registry: 'registry.example.com',
        repository: 'team/app',
        limit: '10',
        cursor: body(first).cursor,
      },
    });
    // Assess
    expect(first.statusCode).toBe(200);
    expect(first.headers?.['content-type']).toBe('application/json');
    const expected = records
      .filter((r) => r.repository === 'team/app')
      .map((r) => r.scanId);
    expect(body(first).items.map((s: ScanRecord) => s.scanId)).toEqual(
      expected.slice(0, 10)
    );
    expect(body(second).items.map((s: ScanRecord) => s.scanId)).toEqual(
      expected.slice(10)
    );
    expect(body(second).cursor).toBeUndefined();
  });

  it('lists failures across repositories when asked for status=fail', async () => {
    const response = await invoke({
      path: '/scans',
      resource: '/scans',
      query: { status: 'fail', since: minutesAgo(300), until: NOW },
    });
    expect(response.statusCode).toBe(200);
    expect(body(response).items.map((s: ScanRecord) => s.scanId)).toEqual(
      records.filter((r) => r.status === 'fail').map((r) => r.scanId)
    );
    expect(
      new Set(body(response).items.map((s: ScanRecord) => s.repository)).size
    ).toBe(2);
  });

  it('answers the newest scan of a digest with its report', async () => {
    const response = await invoke({
      path: `/scans/${digestOf(4)}`,
      resource: '/scans/{digest}',
      pathParameters: { digest: digestOf(4) },
    });
    expect(response.statusCode).toBe(200);
    expect(body(response)).toEqual(records[4]);
  });

  it('lists scans of a repository whose name has slashes', async () => {
    const response = await invoke({
      path: '/repositories/team/tools/builder/scans',
      resource: '/repositories/{proxy+}',
      pathParameters: { proxy: 'team/tools/builder/scans' },
      query: { registry: 'registry.example.com', status: 'fail' },
    });
    expect(response.statusCode).toBe(200);
    expect(body(response).items.map((s: ScanRecord) => s.scanId)).toEqual(
      records
        .filter(
          (r) => r.repository === 'team/tools/builder' && r.status === 'fail'
        )
        .map((r) => r.scanId)
    );
  });

  it.each<[string, RestRequest, RegExp]>([
    [
      'a missing repository',
      { path: '/scans', resource: '/scans', query: { registry: 'r.example' } },
      /repository is required/,
    ],
    [
      'a missing registry',
      { path: '/scans', resource: '/scans', query: { repository: 'team/app' } },
      /registry is required/,
    ],
    [
      'a limit out of range',
      {
        path: '/scans',
        resource: '/scans',
        query: { status: 'error', limit: '1000' },
      },
      /limit/,
    ],
    [
      'an unknown parameter',
      {
        path: '/scans',
        resource: '/scans',
        query: { status: 'fail', sort: 'asc' },
      },
      /unknown parameter sort/,
    ],
    [
      'a malformed time',
      {
        path: '/scans',
        resource: '/scans',
        query: { status: 'fail', since: 'monday' },
      },
      /since must be an ISO 8601/,
    ],
    [
      'a forged cursor',
      {
        path: '/scans',
        resource: '/scans',
        query: { status: 'fail', cursor: 'abc' },
      },
      /invalid cursor/,
    ],
    [
      'a malformed digest',
      {
        path: '/scans/latest',
        resource: '/scans/{digest}',
        pathParameters: { digest: 'latest' },
      },
      /digest must look like/,
    ],
  ])('answers 400 with a message for %s', async (_, request, message) => {
    const response = await invoke(request);
    expect(response.statusCode).toBe(400);
    expect(body(response).message).toMatch(message);
  });

  it('answers 404 for an unknown digest, repository path or route', async () => {
    const unknown = await invoke({
      path: `/scans/${digestOf(999)}`,
      resource: '/scans/{digest}',
      pathParameters: { digest: digestOf(999) },
    });
    const noScans = await invoke({
      path: '/repositories/team/app',
      resource: '/repositories/{proxy+}',
      pathParameters: { proxy: 'team/app' },
      query: { registry: 'registry.example.com' },
    });
    const route = await invoke({ path: '/layers', resource: '/{proxy+}' });
    expect(unknown.statusCode).toBe(404);
    expect(body(unknown).message).toContain(digestOf(999));
    expect(noScans.statusCode).toBe(404);
    expect(route.statusCode).toBe(404);
  });

  it('answers 500 without details when the store fails', async () => {
    const { createHandler } = await import(
      '../../../lambdas/history-api/handler.js'
    );
    const broken = createHandler({
      store: new DynamoScanStore({
        client: dynamo.documentClient,
        tableName: 'missing-table',
      }),
      logger: quiet,
    });
    const response = await broken(
      restEvent({
        path: `/scans/${digestOf(1)}`,
        resource: '/scans/{digest}',
        pathParameters: { digest: digestOf(1) },
      }),
      lambdaContext()
    );
    expect(response.statusCode).toBe(500);
    expect(JSON.parse(response.body)).toEqual({ message: 'internal error' });
  });

  it('builds the deployed handler from the environment', async () => {
    // Prepare: the SDK reads the endpoint and credentials from the environment.
    vi.stubEnv('AWS_ENDPOINT_URL_DYNAMODB', dynamo.endpoint);
    vi.stubEnv('AWS_REGION', LOCAL_AWS.region);
    vi.stubEnv('AWS_ACCESS_KEY_ID', LOCAL_AWS.credentials.accessKeyId);
    vi.stubEnv('AWS_SECRET_ACCESS_KEY', LOCAL_AWS.credentials.secretAccessKey);
    vi.resetModules();
    const { handler } = await import('../../../lambdas/history-api/handler.js');
    // Act
    const response = await handler(
      restEvent({
        path: `/scans/${digestOf(3)}`,
        resource: '/scans/{digest}',
        pathParameters: { digest: digestOf(3) },
      }),
      lambdaContext()
    );
    // Assess
    expect(response.statusCode).toBe(200);
    expect(body(response).scanId).toBe(records[3]?.scanId);
  });
});
