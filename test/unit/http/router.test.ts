import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  RegistryError,
  WebhookError,
} from '../../../lib/engine/errors.js';
import {
  createRouter,
  jsonResponse,
  logFailures,
  type RequestFailure,
  type Route,
} from '../../../lib/http/router.js';
import type { HttpRequest } from '../../../lib/http/types.js';

const request = (
  method: string,
  path: string,
  over: Partial<HttpRequest> = {}
): HttpRequest => ({
  method,
  path,
  query: {},
  headers: {},
  body: new Uint8Array(),
  ...over,
});

/** A route that answers with its name and the parameters it matched. */
const echo = (method: string, path: string): Route => ({
  method,
  path,
  handler: async (_, params) => jsonResponse(200, { route: path, params }),
});

const routes = [
  echo('GET', '/scans'),
  echo('GET', '/scans/{digest}'),
  echo('GET', '/scans/latest'),
  echo('GET', '/repositories/{repository+}/scans'),
  echo('POST', '/webhooks/{provider}'),
  echo('PUT', '/webhooks/{provider}'),
];

const body = (response: { body: string }) => JSON.parse(response.body);

describe('createRouter', () => {
  const handle = createRouter(routes);

  it.each([
    ['/scans', '/scans', {}],
    ['/scans/', '/scans', {}],
    ['/scans/sha256:abc', '/scans/{digest}', { digest: 'sha256:abc' }],
    ['/scans/latest', '/scans/latest', {}],
    [
      '/repositories/team/tools/builder/scans',
      '/repositories/{repository+}/scans',
      { repository: 'team/tools/builder' },
    ],
    [
      '/repositories/app/scans',
      '/repositories/{repository+}/scans',
      { repository: 'app' },
    ],
  ])('routes GET %s to %s', async (path, route, params) => {
    // Act
    const response = await handle(request('GET', path));
    // Assess
    expect(response.status).toBe(200);
    expect(body(response)).toEqual({ route, params });
    expect(response.headers?.['content-type']).toBe('application/json');
  });

  it('matches methods in any case', async () => {
    const response = await handle(request('post', '/webhooks/ghcr'));
    expect(body(response).params).toEqual({ provider: 'ghcr' });
  });

  it.each([
    '/layers',
    '/scans/a/b',
    '/repositories/team/app',
    '/repositories/scans',
    '/webhooks',
    '/webhooks/ghcr/extra',
    '/',
  ])('answers 404 with a message for %s', async (path) => {
    // Act
    const response = await handle(request('GET', path));
    // Assess
    expect(response.status).toBe(404);
    expect(body(response).message).toMatch(/^no route for /);
  });

  it('answers 405 naming the allowed methods for a known path', async () => {
    // Act
    const response = await handle(request('DELETE', '/webhooks/ghcr'));
    // Assess
    expect(response.status).toBe(405);
    expect(response.headers?.allow).toBe('POST, PUT');
    expect(body(response).message).toBe(
      'method DELETE is not allowed on /webhooks/ghcr; use POST or PUT'
    );
  });

  it.each<[string, unknown, number, string]>([
    [
      'a WebhookError',
      new WebhookError(403, 'registry evil.example is not allowed'),
      403,
      'registry evil.example is not allowed',
    ],
    [
      'a ConfigError',
      new ConfigError('limit must be at most 100'),
      400,
      'limit must be at most 100',
    ],
    [
      'any other ScannerError',
      new RegistryError('secret-bearing detail', { status: 500 }),
      500,
      'internal error',
    ],
    ['a TypeError', new TypeError('x is undefined'), 500, 'internal error'],
    ['a thrown string', 'boom', 500, 'internal error'],
  ])('answers %s with %i and logs it', async (_, thrown, status, message) => {
    // Prepare
    const logged: RequestFailure[] = [];
    const failing = createRouter(
      [
        {
          method: 'GET',
          path: '/fail',
          handler: async () => {
            throw thrown;
          },
        },
      ],
      { log: (failure) => logged.push(failure) }
    );
    // Act
    const response = await failing(request('GET', '/fail'));
    // Assess
    expect(response.status).toBe(status);
    expect(body(response)).toEqual({ message });
    expect(logged).toEqual([
      { status, request: request('GET', '/fail'), error: thrown },
    ]);
  });

  it('logs refusals of unknown routes and methods too', async () => {
    // Prepare
    const logged: number[] = [];
    const logging = createRouter(routes, {
      log: ({ status }) => logged.push(status),
    });
    // Act
    await logging(request('GET', '/nowhere'));
    await logging(request('GET', '/webhooks/ghcr'));
    await logging(request('GET', '/scans'));
    // Assess
    expect(logged).toEqual([404, 405]);
  });

  it.each(['/repositories/{a+}/{b+}', '/scans/x{digest}', '/scans/{digest'])(
    'refuses the malformed pattern %s',
    (path) => {
      expect(() => createRouter([echo('GET', path)])).toThrow(ConfigError);
    }
  );

  it('gives back any repository path through a greedy parameter', async () => {
    const segment = fc.stringMatching(/^[a-z0-9][a-z0-9._-]{0,20}$/);
    await fc.assert(
      fc.asyncProperty(
        fc.array(segment, { minLength: 1, maxLength: 6 }),
        async (segments) => {
          const repository = segments.join('/');
          const response = await handle(
            request('GET', `/repositories/${repository}/scans`)
          );
          expect(body(response).params).toEqual({ repository });
        }
      )
    );
  });
});

describe('logFailures', () => {
  it('warns about refusals and reports failures as errors, never with the query', () => {
    // Prepare
    const lines: [string, string, Record<string, unknown>][] = [];
    const log = logFailures({
      warn: (message, extra = {}) => lines.push(['warn', message, extra]),
      error: (message, extra = {}) => lines.push(['error', message, extra]),
    });
    const req = request('POST', '/webhooks/dockerhub', {
      query: { token: 'url-secret' },
    });
    const boom = new TypeError('boom');
    // Act
    log({ status: 401, request: req, error: new WebhookError(401, 'forged') });
    log({ status: 404, request: req, error: undefined });
    log({ status: 500, request: req, error: boom });
    // Assess
    const where = { method: 'POST', path: '/webhooks/dockerhub' };
    expect(lines).toEqual([
      ['warn', 'request refused', { status: 401, ...where, reason: 'forged' }],
      ['warn', 'request refused', { status: 404, ...where }],
      ['error', 'request failed', { status: 500, ...where, error: boom }],
    ]);
    expect(JSON.stringify(lines)).not.toContain('url-secret');
  });
});
