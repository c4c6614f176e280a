import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  connectionError,
  parseDiagnostics,
  redactUrl,
} from '../../../../lib/adapters/registry/registry-errors.js';
import { parseTokenResponse } from '../../../../lib/adapters/registry/token-auth.js';
import { RegistryError } from '../../../../lib/engine/errors.js';

const bytes = (text: string) => new TextEncoder().encode(text);

describe('parseDiagnostics', () => {
  it.each([
    [
      '{"errors":[{"code":"MANIFEST_UNKNOWN","message":"m"},{"code":"NAME_UNKNOWN"}]}',
      ['MANIFEST_UNKNOWN', 'NAME_UNKNOWN'],
    ],
    ['<html><h1>502 Bad Gateway</h1></html>', []],
    ['', []],
    ['{"errors":"nope"}', []],
    ['{"errors":[null,{"code":5},{"code":"BLOB_UNKNOWN"}]}', ['BLOB_UNKNOWN']],
    ['{"errors":[{"code":"<script>alert(1)</script>"}]}', []],
    ['null', []],
    ['{"errors":[{"code":"DENIED"', []],
  ])('reads %j', (body, expected) => {
    expect(parseDiagnostics(bytes(body))).toEqual(expected);
  });

  it('never throws on arbitrary bytes', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 300 }), (body) => {
        expect(Array.isArray(parseDiagnostics(body))).toBe(true);
      })
    );
  });
});

describe('redactUrl', () => {
  it('drops user info and query strings', () => {
    expect(
      redactUrl('https://user:pw@s3.example/bucket/blob?X-Amz-Signature=abc#f')
    ).toBe('https://s3.example/bucket/blob?REDACTED');
    expect(redactUrl('http://127.0.0.1:5000/v2/')).toBe(
      'http://127.0.0.1:5000/v2/'
    );
    expect(redactUrl('not a url')).toBe('(invalid url)');
  });
});

describe('connectionError', () => {
  it('marks socket resets retryable and unknown hosts not', () => {
    // Act
    const reset = connectionError(
      Object.assign(new Error('x'), { code: 'ECONNRESET' }),
      'r.example'
    );
    const unknown = connectionError(
      Object.assign(new Error('x'), { code: 'ENOTFOUND' }),
      'r.example'
    );

    // Assess
    expect(reset).toBeInstanceOf(RegistryError);
    expect((reset as RegistryError).retryable).toBe(true);
    expect((unknown as RegistryError).retryable).toBe(false);
    expect(reset.message).toBe(
      'connection to r.example failed (ECONNRESET): check the registry address and the network'
    );
  });

  it('reports an aborted signal as aborted', () => {
    // Prepare
    const controller = new AbortController();
    controller.abort();

    // Act / Assess
    expect(connectionError(new Error('x'), 'r', controller.signal).code).toBe(
      'aborted'
    );
  });
});

describe('parseTokenResponse', () => {
  const realm = new URL('https://auth.example/token');
  const request = { registry: 'r.example', now: () => 1_000_000 };

  it.each([
    ['{"token":"a","access_token":"b","expires_in":300}', 'a', 1_300_000],
    ['{"access_token":"b"}', 'b', 1_060_000],
    ['{"token":"","access_token":"b","expires_in":10}', 'b', 1_060_000],
    ['{"token":"a","expires_in":"600"}', 'a', 1_060_000],
  ])('reads %s', (body, token, expiresAt) => {
    expect(parseTokenResponse(bytes(body), request, realm)).toEqual({
      token,
      expiresAt,
    });
  });

  it.each(['{}', 'not json', '{"token":5}'])(
    'refuses %s with an auth error',
    (body) => {
      expect(() => parseTokenResponse(bytes(body), request, realm)).toThrow(
        /answered without a token/
      );
    }
  );
});
