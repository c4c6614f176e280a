import { connect } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { ConfigError } from '../../../lib/engine/errors.js';
import type { HttpHandler, HttpRequest } from '../../../lib/http/types.js';
import {
  type RunningHttpServer,
  startHttpServer,
} from '../../../lib/serve/http-server.js';
import type { ServeLog } from '../../../lib/serve/log.js';

const servers: RunningHttpServer[] = [];

afterEach(async () => {
  await Promise.all(servers.splice(0).map((s) => s.close(0)));
});

function recordingLog() {
  const lines: { level: string; message: string; fields: object }[] = [];
  const keep =
    (level: string) =>
    (message: string, ...extra: Record<string, unknown>[]) =>
      lines.push({ level, message, fields: Object.assign({}, ...extra) });
  const log: ServeLog = {
    info: keep('info'),
    warn: keep('warn'),
    error: keep('error'),
  };
  return { log, lines };
}

/** A server whose handler keeps every request it is given. */
async function serverWith(
  handler: HttpHandler = async () => ({ status: 200, body: '{}' }),
  options: {
    maxBodyBytes?: number;
    requestTimeoutMs?: number;
    log?: ServeLog;
  } = {}
) {
  const seen: HttpRequest[] = [];
  const server = await startHttpServer({
    host: '127.0.0.1',
    port: 0,
    handler: async (request) => {
      seen.push(request);
      return handler(request);
    },
    log: options.log ?? recordingLog().log,
    ...options,
  });
  servers.push(server);
  return { server, seen };
}

/** Sends exact bytes on a fresh connection; resolves everything the server sent before closing. */
function rawExchange(
  url: string,
  chunks: readonly (string | Buffer)[],
  options: { keepOpen?: boolean } = {}
): Promise<string> {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      for (const chunk of chunks) socket.write(chunk);
      if (!options.keepOpen) socket.end();
    });
    const received: Buffer[] = [];
    socket.on('data', (data) => received.push(data));
    socket.on('error', reject);
    socket.on('close', () =>
      resolve(Buffer.concat(received).toString('latin1'))
    );
  });
}

describe('startHttpServer', () => {
  it('hands the handler the raw body, byte for byte', async () => {
    // Prepare: a UTF-8 BOM, CRLF line ends and a byte that is not UTF-8.
    const { server, seen } = await serverWith();
    const body = Buffer.concat([
      Buffer.from([0xef, 0xbb, 0xbf]),
      Buffer.from('{"a":1}\r\n{"b":"é"}\r\n', 'utf8'),
      Buffer.from([0xff, 0x00]),
    ]);
    // Act
    const response = await fetch(`${server.url}/webhooks/ghcr`, {
      method: 'POST',
      body,
    });
    // Assess
    expect(response.status).toBe(200);
    expect(Buffer.from(seen[0]!.body).equals(body)).toBe(true);
  });

  it('lower-cases header names, joins repeats, and decodes path and query', async () => {
    // Prepare
    const { server, seen } = await serverWith();
    // Act
    await rawExchange(server.url, [
      'POST /webhooks/dock%20er?token=s3cret&tag=a&tag=b&empty= HTTP/1.1\r\n',
      'Host: 127.0.0.1\r\n',
      'X-Hub-Signature-256: sha256=abc\r\n',
      'X-Tag: one\r\n',
      'x-tag: two\r\n',
      'Content-Length: 2\r\n',
      'Connection: close\r\n',
      '\r\n',
      '{}',
    ]);
    // Assess
    expect(seen).toHaveLength(1);
    expect(seen[0]).toMatchObject({
      method: 'POST',
      path: '/webhooks/dock er',
      query: { token: 's3cret', tag: 'a,b', empty: '' },
    });
    expect(seen[0]!.headers).toMatchObject({
      'x-hub-signature-256': 'sha256=abc',
      'x-tag': 'one, two',
      'content-length': '2',
    });
  });

  it('keeps query and header names such as __proto__ as plain keys', async () => {
    // Prepare
    const { server, seen } = await serverWith();
    // Act
    await rawExchange(server.url, [
      'GET /x?__proto__=1&constructor=2 HTTP/1.1\r\n',
      'Host: x\r\n__proto__: p\r\nConnection: close\r\n\r\n',
    ]);
    // Assess
    expect(Object.getPrototypeOf(seen[0]!.query)).toBe(Object.prototype);
    expect(Object.entries(seen[0]!.query)).toEqual([
      ['__proto__', '1'],
      ['constructor', '2'],
    ]);
    expect(Object.entries(seen[0]!.headers)).toContainEqual(['__proto__', 'p']);
  });

  it('writes the status, headers and body the handler returns', async () => {
    // Prepare
    const { server } = await serverWith(async () => ({
      status: 202,
      headers: { 'X-Delivery': 'd-1' },
      body: '{"queued":true,"note":"ü"}',
    }));
    // Act
    const response = await fetch(`${server.url}/webhooks/harbor`, {
      method: 'POST',
      body: '{}',
    });
    // Assess
    expect(response.status).toBe(202);
    expect(response.headers.get('x-delivery')).toBe('d-1');
    expect(response.headers.get('content-type')).toBe(
      'application/json; charset=utf-8'
    );
    expect(await response.json()).toEqual({ queued: true, note: 'ü' });
  });

  it('keeps a content type the handler chose', async () => {
    // Prepare
    const { server } = await serverWith(async () => ({
      status: 200,
      headers: { 'Content-Type': 'text/plain' },
      body: 'ok',
    }));
    // Act
    const response = await fetch(`${server.url}/healthz`);
    // Assess
    expect(response.headers.get('content-type')).toBe('text/plain');
    expect(await response.text()).toBe('ok');
  });

  it('accepts a body at the cap and refuses one byte more with 413', async () => {
    // Prepare
    const { server, seen } = await serverWith(undefined, {
      maxBodyBytes: 1000,
    });
    // Act
    const atCap = await fetch(server.url, {
      method: 'POST',
      body: new Uint8Array(1000),
    });
    const over = await fetch(server.url, {
      method: 'POST',
      body: new Uint8Array(1001),
    });
    // Assess
    expect(atCap.status).toBe(200);
    expect(over.status).toBe(413);
    expect(await over.json()).toEqual({
      message: 'request body is larger than 1000 bytes',
    });
    expect(seen.map((r) => r.body.length)).toEqual([1000]);
  });

  it('refuses a chunked body that grows past the cap', async () => {
    // Prepare: no Content-Length, so the cap is found while reading.
    const { server, seen } = await serverWith(undefined, {
      maxBodyBytes: 1000,
    });
    const chunk = `${(600).toString(16)}\r\n${'x'.repeat(600)}\r\n`;
    // Act
    const answer = await rawExchange(server.url, [
      'POST /webhooks/quay HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n',
      chunk,
      chunk,
      '0\r\n\r\n',
    ]);
    // Assess
    expect(answer).toMatch(/^HTTP\/1\.1 413 /);
    expect(seen).toEqual([]);
  });

  it('answers 408 to a body that does not arrive in time', async () => {
    // Prepare
    const { server, seen } = await serverWith(undefined, {
      requestTimeoutMs: 200,
    });
    // Act: ten bytes announced, three sent, the connection left open.
    const answer = await rawExchange(
      server.url,
      ['POST / HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\n', 'abc'],
      { keepOpen: true }
    );
    // Assess
    expect(answer).toMatch(/^HTTP\/1\.1 408 /);
    expect(answer).toContain('{"message":"request body not received in time"}');
    expect(seen).toEqual([]);
  });

  it('answers 400 to a path that is not valid percent-encoding', async () => {
    // Prepare
    const { server, seen } = await serverWith();
    // Act
    const response = await fetch(`${server.url}/webhooks/%E0%A4%A`);
    // Assess
    expect(response.status).toBe(400);
    expect(seen).toEqual([]);
  });

  it('reads a path that starts with // as a path, not a host', async () => {
    // Prepare
    const { server, seen } = await serverWith();
    // Act
    await rawExchange(server.url, [
      'GET //webhooks/harbor?x=1 HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n',
    ]);
    // Assess
    expect(seen[0]).toMatchObject({
      path: '//webhooks/harbor',
      query: { x: '1' },
    });
  });

  it('reads the path and query of an absolute request target', async () => {
    // Prepare
    const { server, seen } = await serverWith();
    // Act
    await rawExchange(server.url, [
      'GET http://example.com/webhooks/acr?token=t HTTP/1.1\r\nHost: example.com\r\nConnection: close\r\n\r\n',
    ]);
    // Assess
    expect(seen[0]).toMatchObject({
      path: '/webhooks/acr',
      query: { token: 't' },
    });
  });

  it('answers 500 when the handler throws, and logs no query or header', async () => {
    // Prepare
    const { log, lines } = recordingLog();
    const { server } = await serverWith(
      async () => {
        throw new TypeError('boom');
      },
      { log }
    );
    // Act
    const response = await fetch(`${server.url}/webhooks/acr?token=s3cret`, {
      method: 'POST',
      headers: { authorization: 'Bearer hidden-value' },
      body: '{}',
    });
    // Assess
    expect(response.status).toBe(500);
    expect(await response.json()).toEqual({ message: 'internal error' });
    expect(lines).toEqual([
      {
        level: 'error',
        message: 'request handler failed',
        fields: {
          method: 'POST',
          path: '/webhooks/acr',
          error: 'unexpected failure: boom',
        },
      },
    ]);
    expect(JSON.stringify(lines)).not.toMatch(/s3cret|hidden-value/);
  });

  it('answers 500 when the handler returns headers that cannot be written', async () => {
    // Prepare
    const { server } = await serverWith(async () => ({
      status: 200,
      headers: { 'x-bad': 'line\r\nbreak' },
      body: '{}',
    }));
    // Act
    const response = await fetch(server.url);
    // Assess
    expect(response.status).toBe(500);
  });

  it('on close, finishes requests in flight and refuses new connections', async () => {
    // Prepare
    let release!: () => void;
    const released = new Promise<void>((r) => {
      release = r;
    });
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    const { server } = await serverWith(async () => {
      entered();
      await released;
      return { status: 200, body: '{"done":true}' };
    });
    const pending = fetch(`${server.url}/slow`);
    await inHandler;
    // Act
    const closed = server.close(60_000);
    const refused = fetch(`${server.url}/late`).then(
      () => 'answered',
      () => 'refused'
    );
    release();
    const response = await pending;
    await closed;
    // Assess
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ done: true });
    expect(await refused).toBe('refused');
  });

  it('on close, cuts requests still running after the grace period', async () => {
    // Prepare
    let entered!: () => void;
    const inHandler = new Promise<void>((r) => {
      entered = r;
    });
    const { server } = await serverWith(() => {
      entered();
      return new Promise(() => {});
    });
    const pending = fetch(`${server.url}/stuck`).then(
      (r) => r.status,
      () => 'cut'
    );
    await inHandler;
    // Act
    await server.close(20);
    // Assess
    expect(await pending).toBe('cut');
  });

  it('names the address it cannot listen on', async () => {
    // Prepare
    const { server } = await serverWith();
    const port = Number(new URL(server.url).port);
    // Act
    const second = startHttpServer({
      host: '127.0.0.1',
      port,
      handler: async () => ({ status: 200, body: '{}' }),
      log: recordingLog().log,
    });
    // Assess
    await expect(second).rejects.toBeInstanceOf(ConfigError);
    await expect(second).rejects.toThrow(
      `cannot listen on 127.0.0.1:${port}: EADDRINUSE`
    );
  });
});
