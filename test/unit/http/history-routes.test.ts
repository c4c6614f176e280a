import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryScanStore } from '../../../lib/adapters/local/memory-scan-store.js';
import { historyRoutes } from '../../../lib/http/history-routes.js';
import { createRouter } from '../../../lib/http/router.js';
import type { HttpHandler, HttpRequest } from '../../../lib/http/types.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { digestOf, makeRecord } from '../../support/scan-records.js';

const NOW = '2026-11-25T12:00:00.000Z';
const get = (
  path: string,
  query: Record<string, string> = {},
  headers: Record<string, string> = {}
): HttpRequest => ({
  method: 'GET',
  path,
  query,
  headers,
  body: new Uint8Array(),
});
const body = (response: { body: string }) => JSON.parse(response.body);

describe('historyRoutes', () => {
  let store: MemoryScanStore;
  const record = makeRecord({
    repository: 'team/tools/builder',
    tag: 'latest',
    scannedAt: '2026-11-25T11:00:00.000Z',
    digest: digestOf(7),
  });

  beforeEach(async () => {
    store = new MemoryScanStore({ clock: new TestClock(NOW) });
    await store.put(record);
  });

  describe('without a token', () => {
    let handle: HttpHandler;
    beforeEach(() => {
      handle = createRouter(historyRoutes({ store }));
    });

    it('lists scans of a repository', async () => {
      const response = await handle(
        get('/scans', {
          registry: 'registry.example.com',
          repository: 'team/tools/builder',
        })
      );
      expect(response.status).toBe(200);
      expect(
        body(response).items.map((s: { scanId: string }) => s.scanId)
      ).toEqual([record.scanId]);
    });

    it('answers the newest scan of a digest, or 404 naming it', async () => {
      const found = await handle(get(`/scans/${digestOf(7)}`));
      const missing = await handle(get(`/scans/${digestOf(8)}`));
      expect(body(found)).toEqual(record);
      expect(missing.status).toBe(404);
      expect(body(missing)).toEqual({ message: `no scan of ${digestOf(8)}` });
    });

    it('lists scans of a repository whose name has slashes', async () => {
      const response = await handle(
        get('/repositories/team/tools/builder/scans', {
          registry: 'registry.example.com',
        })
      );
      expect(body(response).items).toHaveLength(1);
    });

    it('answers 400 for bad parameters', async () => {
      const response = await handle(get('/scans', { repository: 'team/app' }));
      expect(response.status).toBe(400);
      expect(body(response).message).toMatch(/registry is required/);
    });
  });

  describe('with a token', () => {
    let handle: HttpHandler;
    beforeEach(() => {
      handle = createRouter(historyRoutes({ store, token: 'api-token-1' }));
    });

    it.each([
      ['no header', {}, /needs an Authorization: Bearer/],
      [
        'a wrong token',
        { authorization: 'Bearer api-token-2' },
        /wrong bearer/,
      ],
      [
        'the token without the scheme',
        { authorization: 'api-token-1' },
        /needs/,
      ],
      ['another scheme', { authorization: 'Basic api-token-1' }, /needs/],
    ])('answers 401 to %s', async (_, headers, message) => {
      // Act
      const response = await handle(get(`/scans/${digestOf(7)}`, {}, headers));
      // Assess
      expect(response.status).toBe(401);
      expect(response.headers?.['www-authenticate']).toMatch(/^Bearer/);
      expect(body(response).message).toMatch(message);
      expect(response.body).not.toContain('api-token-1');
    });

    it('serves a request carrying the token, in any scheme case', async () => {
      const response = await handle(
        get(
          `/scans/${digestOf(7)}`,
          {},
          { authorization: 'bearer api-token-1' }
        )
      );
      expect(response.status).toBe(200);
    });

    it('guards every route', async () => {
      const responses = await Promise.all([
        handle(get('/scans', { status: 'fail' })),
        handle(get('/repositories/team/app/scans', { registry: 'r.example' })),
      ]);
      expect(responses.map((r) => r.status)).toEqual([401, 401]);
    });
  });
});
