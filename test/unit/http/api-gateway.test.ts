import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  apiGatewayHandler,
  fromApiGateway,
  toApiGateway,
} from '../../../lib/http/api-gateway.js';
import { jsonResponse } from '../../../lib/http/router.js';
import type { HttpRequest } from '../../../lib/http/types.js';
import { restEvent } from '../../support/api-gateway.js';

const base = () =>
  restEvent({ path: '/webhooks/ghcr', resource: '/webhooks/{provider}' });

describe('fromApiGateway', () => {
  it('reads method, path and lower-cased headers', () => {
    // Act
    const request = fromApiGateway({ ...base(), httpMethod: 'post' });
    // Assess
    expect(request.method).toBe('POST');
    expect(request.path).toBe('/webhooks/ghcr');
    expect(request.headers).toMatchObject({
      accept: 'application/json',
      host: 'abc123.execute-api.us-east-1.amazonaws.com',
      'x-forwarded-proto': 'https',
    });
    expect(
      Object.keys(request.headers).every((k) => k === k.toLowerCase())
    ).toBe(true);
  });

  it('joins repeated headers and query parameters, keeping every value', () => {
    // Act
    const request = fromApiGateway({
      ...base(),
      headers: { 'X-Tag': 'b', 'X-Only-Single': 'one' },
      multiValueHeaders: { 'X-Tag': ['a', 'b'], 'x-tag': ['c'] },
      queryStringParameters: { token: 'second', limit: '5' },
      multiValueQueryStringParameters: { token: ['first', 'second'] },
    });
    // Assess
    expect(request.headers['x-tag']).toBe('a, b, c');
    expect(request.headers['x-only-single']).toBe('one');
    expect(request.query).toEqual({ token: 'first,second', limit: '5' });
  });

  it('reads an event without headers, query or body', () => {
    // Act
    const request = fromApiGateway({
      ...base(),
      headers: {},
      multiValueHeaders: {},
      queryStringParameters: null,
      multiValueQueryStringParameters: null,
      body: null,
    });
    // Assess
    expect(request.headers).toEqual({});
    expect(request.query).toEqual({});
    expect(request.body).toEqual(new Uint8Array());
  });

  it('routes by the resource, whatever base path a custom domain puts in front', () => {
    const webhook = fromApiGateway(
      restEvent({
        path: '/archscan/webhooks/ghcr',
        resource: '/webhooks/{provider}',
        pathParameters: { provider: 'ghcr' },
      })
    );
    const history = fromApiGateway(
      restEvent({
        path: '/v1/repositories/team/app/scans',
        resource: '/repositories/{proxy+}',
        pathParameters: { proxy: 'team/app/scans' },
      })
    );
    expect(webhook.path).toBe('/webhooks/ghcr');
    expect(history.path).toBe('/repositories/team/app/scans');
  });

  it('percent-decodes the path, and keeps a malformed one as sent', () => {
    expect(
      fromApiGateway({ ...base(), path: '/scans/sha256%3Aabc' }).path
    ).toBe('/scans/sha256:abc');
    expect(
      fromApiGateway({ ...base(), path: '/repositories/team%2Fapp/scans' }).path
    ).toBe('/repositories/team/app/scans');
    expect(fromApiGateway({ ...base(), path: '/scans/%E0%A4%A' }).path).toBe(
      '/scans/%E0%A4%A'
    );
  });

  it('gives back the raw bytes of any body, base64-encoded or not', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), (bytes) => {
        const event = {
          ...base(),
          body: Buffer.from(bytes).toString('base64'),
          isBase64Encoded: true,
        };
        expect(new Uint8Array(fromApiGateway(event).body)).toEqual(bytes);
      })
    );
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 200 }), (text) => {
        const event = { ...base(), body: text, isBase64Encoded: false };
        expect(Buffer.from(fromApiGateway(event).body).toString('utf8')).toBe(
          text
        );
      })
    );
  });
});

describe('toApiGateway', () => {
  it('turns a response into a proxy result', () => {
    expect(
      toApiGateway(jsonResponse(202, { queued: 1 }, { allow: 'POST' }))
    ).toEqual({
      statusCode: 202,
      headers: { 'content-type': 'application/json', allow: 'POST' },
      body: '{"queued":1}',
      isBase64Encoded: false,
    });
    expect(toApiGateway({ status: 204, body: '' }).headers).toEqual({});
  });
});

describe('apiGatewayHandler', () => {
  it('hands the plain handler the decoded request and returns its answer', async () => {
    // Prepare
    const seen: HttpRequest[] = [];
    const handler = apiGatewayHandler(async (request) => {
      seen.push(request);
      return jsonResponse(200, { ok: true });
    });
    // Act
    const result = await handler({
      ...base(),
      httpMethod: 'POST',
      body: Buffer.from('{"a":1}').toString('base64'),
      isBase64Encoded: true,
    });
    // Assess
    expect(result.statusCode).toBe(200);
    expect(Buffer.from(seen[0]?.body ?? []).toString()).toBe('{"a":1}');
  });
});
