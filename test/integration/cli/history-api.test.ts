import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Logger } from '@aws-lambda-powertools/logger';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { HistoryApiClient } from '../../../lib/adapters/http/history-api-client.js';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import { formatTable } from '../../../lib/cli/format-table.js';
import { formatHistory } from '../../../lib/cli/history-command.js';
import { run } from '../../../lib/cli/run.js';
import { ConfigError, ScannerError } from '../../../lib/engine/errors.js';
import type { ScanRecord } from '../../../lib/engine/history/scan-record.js';
import { lambdaContext, restEvent } from '../../support/api-gateway.js';
import { digestOf, makeRecord, TestClock } from '../../support/scan-records.js';

const NOW = '2026-11-25T12:00:00.000Z';
const TOKEN = 'history-api-token-0123456789';
const STAGE = '/prod';
const REGISTRY = 'registry.example.com';

let server: Server;
let origin: string;
let base: string;
const records: ScanRecord[] = [];

/**
 * The history API Lambda behind a plain HTTP server, the way API Gateway
 * fronts it: a stage prefix, a bearer token check (401 `{message}` when it
 * is wrong), and the proxy event the handler expects.
 */
beforeAll(async () => {
  // Prepare: the handler module reads its configuration when first imported.
  vi.stubEnv('TABLE_NAME', 'unused-by-these-tests');
  const { createHandler } = await import(
    '../../../lambdas/history-api/handler.js'
  );
  const store = new MemoryScanStore({ clock: new TestClock(NOW) });
  const specs = [
    { scannedAt: '2026-11-25T09:00:00.000Z', tag: '1.0', status: 'pass' },
    { scannedAt: '2026-11-25T10:00:00.000Z', tag: '1.1', status: 'fail' },
    { scannedAt: '2026-11-25T11:00:00.000Z', tag: '1.2', status: 'pass' },
  ] as const;
  for (const [i, spec] of specs.entries()) {
    const record = makeRecord({ ...spec, digest: digestOf(i + 1) });
    records.push(record);
    await store.put(record);
  }
  const handler = createHandler({
    store,
    logger: new Logger({ serviceName: 'test', logLevel: 'SILENT' }),
  });
  server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname.startsWith('/html/')) {
      res.writeHead(200, { 'content-type': 'text/html' });
      res.end('<html>sign in</html>');
      return;
    }
    if (req.headers.authorization !== `Bearer ${TOKEN}`) {
      res.writeHead(401, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ message: 'Unauthorized' }));
      return;
    }
    if (!url.pathname.startsWith(`${STAGE}/`)) {
      res.writeHead(404, { 'content-type': 'text/plain' });
      res.end('Not Found');
      return;
    }
    const event = restEvent({
      path: url.pathname.slice(STAGE.length),
      resource: '/{proxy+}',
      query: Object.fromEntries(url.searchParams),
      method: req.method ?? 'GET',
    });
    handler(event, lambdaContext()).then(
      (result) => {
        res.writeHead(result.statusCode, {
          ...(result.headers as Record<string, string>),
        });
        res.end(result.body);
      },
      () => {
        res.writeHead(500);
        res.end();
      }
    );
  });
  await new Promise<void>((resolve) =>
    server.listen(0, '127.0.0.1', () => resolve())
  );
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  base = `${origin}${STAGE}`;
});

afterAll(async () => {
  vi.unstubAllEnvs();
  await new Promise<void>((resolve) => {
    server.closeAllConnections();
    server.close(() => resolve());
  });
});

/** Runs `archscan` with recorded output. */
async function archscan(
  argv: string[],
  env: Record<string, string> = { ARCHSCAN_API_TOKEN: TOKEN }
) {
  let stdout = '';
  let stderr = '';
  const code = await run(argv, {
    stdout: {
      write: (s: string) => {
        stdout += s;
      },
    },
    stderr: {
      write: (s: string) => {
        stderr += s;
      },
    },
    env,
  });
  return { code, stdout, stderr };
}

const repository = ['--registry', REGISTRY, '--repository', 'team/app'];

describe('archscan history --api', () => {
  it('lists the scans of a repository as a table', async () => {
    // Act
    const { code, stdout, stderr } = await archscan([
      'history',
      '--api',
      base,
      ...repository,
    ]);

    // Assess
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const newestFirst = [...records].reverse();
    expect(stdout).toBe(
      formatHistory({
        items: newestFirst.map(({ report: _r, ...summary }) => summary),
      })
    );
    expect(stdout.split('\n')[0]).toMatch(
      /^2026-11-25T11:00:00\.000Z {2}PASS {2}0E 0W {2}registry\.example\.com\/team\/app:1\.2 {2}sha256:/
    );
  });

  it('pages through JSON with the cursor the API gives', async () => {
    // Act
    const first = await archscan([
      'history',
      '--api',
      base,
      '--api-token',
      TOKEN,
      ...repository,
      '--limit',
      '2',
      '--format',
      'json',
    ]);
    const page = JSON.parse(first.stdout);
    const second = await archscan([
      'history',
      '--api',
      base,
      ...repository,
      '--limit',
      '2',
      '--cursor',
      page.cursor,
      '--format',
      'json',
    ]);

    // Assess
    expect(page.items.map((s: ScanRecord) => s.tag)).toEqual(['1.2', '1.1']);
    expect(
      JSON.parse(second.stdout).items.map((s: ScanRecord) => s.tag)
    ).toEqual(['1.0']);
  });

  it('lists failures across repositories', async () => {
    // Act
    const { code, stdout } = await archscan(
      ['history', '--status', 'fail', '--format', 'json'],
      { ARCHSCAN_API: base, ARCHSCAN_API_TOKEN: TOKEN }
    );

    // Assess
    expect(code).toBe(0);
    expect(JSON.parse(stdout).items.map((s: ScanRecord) => s.scanId)).toEqual([
      records[1]?.scanId,
    ]);
  });

  it('prints the report of a digest, and says when there is none', async () => {
    // Prepare
    const record = records[1] as ScanRecord;

    // Act
    const found = await archscan([
      'history',
      '--api',
      base,
      '--digest',
      record.digest ?? '',
    ]);
    const missing = await archscan([
      'history',
      '--api',
      base,
      '--digest',
      digestOf(99),
    ]);

    // Assess
    expect(found.code).toBe(0);
    expect(found.stdout).toBe(formatTable(record.report));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toBe(
      `archscan: no scan of ${digestOf(99)} in history\n`
    );
  });

  it('says a refused token is the problem, without showing it', async () => {
    // Act
    const wrong = await archscan(['history', '--api', base, ...repository], {
      ARCHSCAN_API_TOKEN: 'not-the-token-at-all',
    });
    const none = await archscan(['history', '--api', base, ...repository], {});

    // Assess
    expect(wrong.code).toBe(2);
    expect(wrong.stdout).toBe('');
    expect(wrong.stderr).toBe(
      `archscan: the history API at ${base} refused the token (401: Unauthorized): check --api-token or ARCHSCAN_API_TOKEN\n`
    );
    expect(none.stderr).toBe(
      `archscan: the history API at ${base} needs a token (401: Unauthorized): pass --api-token or set ARCHSCAN_API_TOKEN\n`
    );
  });

  it('names the URL when the server cannot be reached', async () => {
    // Prepare
    const closed = createServer();
    await new Promise<void>((resolve) =>
      closed.listen(0, '127.0.0.1', () => resolve())
    );
    const dead = `http://127.0.0.1:${(closed.address() as AddressInfo).port}/prod`;
    await new Promise<void>((resolve) => closed.close(() => resolve()));

    // Act
    const { code, stderr } = await archscan([
      'history',
      '--api',
      dead,
      ...repository,
    ]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      `archscan: could not reach the history API at ${dead} (ECONNREFUSED): check --api and that the server is running\n`
    );
  });

  it('says when --api is not the base URL of the API', async () => {
    // Act
    const { code, stderr } = await archscan([
      'history',
      '--api',
      `${origin}/`,
      ...repository,
    ]);

    // Assess
    expect(code).toBe(2);
    expect(stderr).toBe(
      `archscan: the history API at ${origin} has no route GET /scans (404): --api must be the API's base URL, stage included\n`
    );
  });

  it.each([
    [
      ['--table', 'archscan', '--api', 'http://127.0.0.1:1'],
      {},
      '--table and --api are alternatives',
    ],
    [
      [],
      { ARCHSCAN_TABLE: 't', ARCHSCAN_API: 'http://127.0.0.1:1' },
      'ARCHSCAN_TABLE and ARCHSCAN_API are alternatives',
    ],
    [
      ['--api', 'http://127.0.0.1:1', '--region', 'eu-west-1'],
      {},
      '--region only apply with --table, not with --api',
    ],
    [[], {}, 'needs --table (or ARCHSCAN_TABLE)'],
    [['--api', 'ftp://127.0.0.1/'], {}, '--api must be an http or https URL'],
    [
      ['--api', 'http://history.example.com', '--api-token', TOKEN],
      {},
      'refusing to send the API token over plain http to http://history.example.com: use an https URL',
    ],
  ])('refuses %j with %j', async (args, env, message) => {
    // Act
    const { code, stderr } = await archscan(
      ['history', ...args, ...repository],
      env
    );

    // Assess
    expect(code).toBe(2);
    expect(stderr).toContain(message);
    expect(stderr).not.toContain(TOKEN);
  });
});

describe('HistoryApiClient', () => {
  const client = () => new HistoryApiClient({ url: base, token: TOKEN });

  it('passes the API’s refusal of a query on as a ConfigError', async () => {
    // Act
    const error = await client()
      .listByRepository(REGISTRY, 'team/app', { limit: 100_000 })
      .then(
        () => new Error('expected a rejection'),
        (e: unknown) => e as Error
      );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toMatch(
      /^the history API refused the query: invalid parameters: limit: /
    );
  });

  it('says when the answer is not JSON', async () => {
    // Act
    const error = await new HistoryApiClient({ url: `${origin}/html` })
      .listFailures({ status: 'error' })
      .then(
        () => new ScannerError('internal', 'expected a rejection'),
        (e: unknown) => e as ScannerError
      );

    // Assess
    expect(error).toBeInstanceOf(ScannerError);
    expect(error.code).toBe('format');
    expect(error.message).toBe(
      `the history API at ${origin}/html did not answer JSON (content-type text/html): --api must be the API's base URL`
    );
  });

  it('is read-only', async () => {
    // Act
    const error = await client()
      .put()
      .then(
        () => new Error('expected a rejection'),
        (e: unknown) => e as Error
      );

    // Assess
    expect(error).toBeInstanceOf(ConfigError);
    expect(error.message).toBe(
      'the history API is read-only: it cannot store scans'
    );
  });
});
