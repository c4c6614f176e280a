/**
 * The HTTP server of `archscan serve` (node:http): turns each request into
 * the plain {@link HttpRequest} the route handlers share with the API
 * Gateway Lambdas, and their {@link HttpResponse} back into bytes.
 *
 * - The body is read whole and raw, byte for byte (webhook signatures are
 *   computed on exactly these bytes), up to `maxBodyBytes`: a larger one
 *   is answered 413 without calling the handler. A body that does not
 *   arrive within `requestTimeoutMs` is answered 408.
 * - Header names are lower-cased and repeated headers joined with `, `;
 *   repeated query parameters are joined with `,`, as API Gateway HTTP APIs
 *   do, so both front ends hand the handlers the same values.
 * - A handler that throws is answered 500 with a fixed message and
 *   logged; details never reach the client. Logs name the method and path
 *   only: query strings and headers may carry webhook secrets.
 */
import {
  createServer,
  type IncomingMessage,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';
import { ConfigError, toScannerError } from '../engine/errors.js';
import type { HttpHandler, HttpRequest, HttpResponse } from '../http/types.js';
import type { ServeLog } from './log.js';

/** Default body cap: push payloads are a few KiB; 1 MiB leaves room and bounds memory. */
export const DEFAULT_MAX_BODY_BYTES = 1024 * 1024;
/** Default time for a whole request body: registries send theirs at once; a trickle is an attack. */
export const DEFAULT_REQUEST_TIMEOUT_MS = 30_000;
/** How long an over-long body is read and discarded after the 413, so the client sees the answer rather than a reset. */
const DISCARD_MS = 2000;

/** Options of {@link startHttpServer}. */
export interface HttpServerOptions {
  /** Address to bind, e.g. `127.0.0.1` or `0.0.0.0`. */
  readonly host: string;
  /** Port to bind; 0 picks a free one (see `url`). */
  readonly port: number;
  readonly handler: HttpHandler;
  /** @default DEFAULT_MAX_BODY_BYTES */
  readonly maxBodyBytes?: number;
  /** @default DEFAULT_REQUEST_TIMEOUT_MS */
  readonly requestTimeoutMs?: number;
  readonly log: ServeLog;
}

/** A listening server. */
export interface RunningHttpServer {
  /** `http://host:port`, with the port actually bound. */
  readonly url: string;
  /**
   * Stops accepting connections, lets requests in flight finish for up
   * to `graceMs`, then cuts the rest. Safe to call twice.
   */
  close(graceMs: number): Promise<void>;
}

type Body =
  | { readonly kind: 'complete'; readonly bytes: Uint8Array }
  | { readonly kind: 'too-large' }
  | { readonly kind: 'timeout' }
  | { readonly kind: 'gone' };

/**
 * Starts listening.
 *
 * @example
 * const server = await startHttpServer({ host: '127.0.0.1', port: 8080, handler: routes, log });
 * // …
 * await server.close(10_000);
 * @throws ConfigError when the address cannot be bound (in use, not local, no permission).
 */
export async function startHttpServer(
  options: HttpServerOptions
): Promise<RunningHttpServer> {
  const settings = {
    handler: options.handler,
    log: options.log,
    maxBodyBytes: options.maxBodyBytes ?? DEFAULT_MAX_BODY_BYTES,
    requestTimeoutMs: options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS,
  };
  const inFlight = new Set<ServerResponse>();
  let closing = false;
  let drained: (() => void) | undefined;
  const server = createServer(
    {
      // Node's own limits as a backstop behind the body timer here.
      headersTimeout: Math.min(60_000, settings.requestTimeoutMs),
      requestTimeout: settings.requestTimeoutMs + 5000,
    },
    (req, res) => {
      inFlight.add(res);
      res.once('close', () => {
        inFlight.delete(res);
        if (inFlight.size === 0) drained?.();
      });
      // While closing, no connection is kept for another request.
      if (closing) res.setHeader('connection', 'close');
      serve(req, res, settings).catch((error: unknown) => {
        settings.log.error('cannot answer a request', {
          method: req.method,
          error: toScannerError(error).message,
        });
        res.destroy();
      });
    }
  );
  await listen(server, options.host, options.port);
  const { address, port, family } = server.address() as AddressInfo;
  const host = family === 'IPv6' ? `[${address}]` : address;
  let closed: Promise<void> | undefined;
  return {
    url: `http://${host}:${port}`,
    close(graceMs) {
      closed ??= (async () => {
        closing = true;
        const stopped = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        if (inFlight.size > 0) {
          const idle = new Promise<void>((done) => {
            drained = done;
          });
          let timer: NodeJS.Timeout | undefined;
          await Promise.race([
            idle,
            new Promise((done) => {
              timer = setTimeout(done, graceMs);
            }),
          ]);
          clearTimeout(timer);
        }
        server.closeAllConnections();
        await stopped;
      })();
      return closed;
    },
  };
}

async function listen(
  server: ReturnType<typeof createServer>,
  host: string,
  port: number
): Promise<void> {
  try {
    await new Promise<void>((done, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        done();
      });
    });
  } catch (error) {
    throw new ConfigError(
      `cannot listen on ${host}:${port}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}; choose another listen address or port`,
      { cause: error }
    );
  }
}

async function serve(
  req: IncomingMessage,
  res: ServerResponse,
  settings: {
    handler: HttpHandler;
    log: ServeLog;
    maxBodyBytes: number;
    requestTimeoutMs: number;
  }
): Promise<void> {
  const body = await readBody(
    req,
    settings.maxBodyBytes,
    settings.requestTimeoutMs
  );
  if (body.kind === 'gone') return;
  if (body.kind === 'too-large') {
    refuse(
      req,
      res,
      413,
      `request body is larger than ${settings.maxBodyBytes} bytes`
    );
    return;
  }
  if (body.kind === 'timeout') {
    refuse(req, res, 408, 'request body not received in time');
    return;
  }
  const parsed = toHttpRequest(req, body.bytes);
  if (!parsed) {
    respond(res, {
      status: 400,
      body: json('request path is not valid: check its percent-encoding'),
    });
    return;
  }
  let response: HttpResponse;
  try {
    response = await settings.handler(parsed);
  } catch (error) {
    settings.log.error('request handler failed', {
      method: parsed.method,
      path: parsed.path,
      error: toScannerError(error).message,
    });
    response = { status: 500, body: json('internal error') };
  }
  try {
    respond(res, response);
  } catch (error) {
    // Invalid status or header values from the handler.
    settings.log.error('cannot write the handler response', {
      method: parsed.method,
      path: parsed.path,
      error: toScannerError(error).message,
    });
    if (!res.headersSent)
      respond(res, { status: 500, body: json('internal error') });
    else res.destroy();
  }
}

/** Reads the whole body, stopping at the cap or the deadline. */
function readBody(
  req: IncomingMessage,
  max: number,
  timeoutMs: number
): Promise<Body> {
  const declared = Number(req.headers['content-length']);
  if (declared > max) return Promise.resolve({ kind: 'too-large' });
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const finish = (body: Body) => {
      clearTimeout(timer);
      req.off('data', onData);
      req.off('end', onEnd);
      req.off('close', onClose);
      resolve(body);
    };
    const onData = (chunk: Buffer) => {
      size += chunk.length;
      if (size > max) finish({ kind: 'too-large' });
      else chunks.push(chunk);
    };
    const onEnd = () =>
      finish({
        kind: 'complete',
        bytes: new Uint8Array(Buffer.concat(chunks)),
      });
    const onClose = () => finish({ kind: 'gone' });
    const timer = setTimeout(() => finish({ kind: 'timeout' }), timeoutMs);
    req.on('data', onData);
    req.once('end', onEnd);
    req.once('close', onClose);
  });
}

/**
 * Answers `status` now and closes the connection after reading (and
 * dropping) what the client is still sending, for a short while: a client
 * cut off mid-body would see a reset instead of the answer.
 */
function refuse(
  req: IncomingMessage,
  res: ServerResponse,
  status: number,
  message: string
): void {
  respond(res, { status, body: json(message) }, true);
  const cut = setTimeout(() => req.destroy(), DISCARD_MS);
  req.once('close', () => clearTimeout(cut));
  req.resume();
}

function respond(
  res: ServerResponse,
  response: HttpResponse,
  closeConnection = false
): void {
  const headers: Record<string, string | number> = {
    'content-type': 'application/json; charset=utf-8',
  };
  for (const [name, value] of Object.entries(response.headers ?? {})) {
    headers[name.toLowerCase()] = value;
  }
  headers['content-length'] = Buffer.byteLength(response.body);
  if (closeConnection) {
    headers.connection = 'close';
  }
  res.writeHead(response.status, headers);
  res.end(response.body);
}

/** The plain request, or undefined when the target cannot be read or decoded. */
function toHttpRequest(
  req: IncomingMessage,
  body: Uint8Array
): HttpRequest | undefined {
  const target = splitTarget(req.url ?? '/');
  if (!target) return undefined;
  let path: string;
  try {
    path = decodeURIComponent(target.path);
  } catch {
    return undefined;
  }
  // Maps, then fromEntries: names like `__proto__` stay plain keys.
  const query = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(target.search)) {
    const before = query.get(name);
    query.set(name, before === undefined ? value : `${before},${value}`);
  }
  // rawHeaders keeps every repeat (Node's `headers` drops those of some names).
  const headers = new Map<string, string>();
  for (let i = 0; i + 1 < req.rawHeaders.length; i += 2) {
    const name = (req.rawHeaders[i] as string).toLowerCase();
    const value = req.rawHeaders[i + 1] as string;
    const before = headers.get(name);
    headers.set(name, before === undefined ? value : `${before}, ${value}`);
  }
  return {
    method: req.method ?? 'GET',
    path,
    query: Object.fromEntries(query),
    headers: Object.fromEntries(headers),
    body,
  };
}

/**
 * Path and query string of a request target. The origin form (`/p?q`) is
 * split by hand: `new URL` would read a path starting with `//` as a host.
 */
function splitTarget(
  target: string
): { path: string; search: string } | undefined {
  if (/^https?:\/\//i.test(target)) {
    if (!URL.canParse(target)) return undefined;
    const url = new URL(target);
    return { path: url.pathname, search: url.search };
  }
  const mark = target.indexOf('?');
  return mark === -1
    ? { path: target, search: '' }
    : { path: target.slice(0, mark), search: target.slice(mark + 1) };
}

function json(message: string): string {
  return JSON.stringify({ message });
}
