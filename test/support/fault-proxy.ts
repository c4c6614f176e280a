/**
 * A fault-injecting HTTP proxy on 127.0.0.1 for integration tests: it
 * forwards to a real registry and, for requests matching a rule, answers
 * with a chosen status, cuts the connection after K body bytes, ignores
 * `Range`, redirects elsewhere, or streams an endless body. Every request
 * is recorded. `startBlobOrigin` is the second origin redirects point at:
 * it serves bytes and records whether an Authorization header arrived.
 */
import {
  createServer,
  request as httpRequest,
  type IncomingMessage,
  type Server,
  type ServerResponse,
} from 'node:http';
import type { AddressInfo } from 'node:net';

export type FaultAction =
  /** Answer with this status (and optional headers/body) without forwarding. */
  | {
      kind: 'status';
      status: number;
      headers?: Record<string, string>;
      body?: string;
    }
  /** Forward, then destroy the socket after `afterBytes` body bytes. */
  | { kind: 'cut'; afterBytes: number }
  /** Forward without the `Range` header, as a range-ignorant server would. */
  | { kind: 'ignore-range' }
  /** Answer 307 with this `Location`. */
  | { kind: 'redirect'; location: string }
  /** Answer 200 with `bytes` of filler, stopping when the client goes away. */
  | { kind: 'huge'; bytes: number; contentLength: boolean; mediaType: string };

export interface RecordedRequest {
  method: string;
  path: string;
  headers: IncomingMessage['headers'];
  /** The fault applied, if any. */
  fault?: FaultAction['kind'];
}

export interface FaultProxy {
  host: string;
  baseUrl: string;
  requests: RecordedRequest[];
  /** Bytes of `huge` bodies the kernel accepted before the client left. */
  hugeBytesWritten: number;
  /** Applies `action` to the next `times` requests whose path matches. */
  inject(path: RegExp, action: FaultAction, times?: number): void;
  /** Forgets every rule, recorded request and byte count. */
  reset(): void;
  stop(): Promise<void>;
}

interface Rule {
  path: RegExp;
  action: FaultAction;
  remaining: number;
}

/** Starts a proxy in front of `upstream` (`http://127.0.0.1:PORT`). */
export async function startFaultProxy(upstream: string): Promise<FaultProxy> {
  const rules: Rule[] = [];
  const target = new URL(upstream);
  const proxy: FaultProxy = {
    host: '',
    baseUrl: '',
    requests: [],
    hugeBytesWritten: 0,
    inject(path, action, times = 1) {
      rules.push({ path, action, remaining: times });
    },
    reset() {
      rules.length = 0;
      proxy.requests.length = 0;
      proxy.hugeBytesWritten = 0;
    },
    stop: async () => undefined,
  };
  const server = createServer((req, res) => {
    const path = req.url ?? '/';
    const rule = rules.find((r) => r.remaining > 0 && r.path.test(path));
    if (rule) rule.remaining--;
    const action = rule?.action;
    proxy.requests.push({
      method: req.method ?? 'GET',
      path,
      headers: req.headers,
      fault: action?.kind,
    });
    void handle(req, res, action, target, proxy);
  });
  const address = await listen(server);
  proxy.host = `127.0.0.1:${address.port}`;
  proxy.baseUrl = `http://${proxy.host}`;
  proxy.stop = () => close(server);
  return proxy;
}

async function handle(
  req: IncomingMessage,
  res: ServerResponse,
  action: FaultAction | undefined,
  target: URL,
  proxy: FaultProxy
): Promise<void> {
  switch (action?.kind) {
    case 'status':
      res.writeHead(action.status, action.headers ?? {});
      res.end(action.body ?? '');
      return;
    case 'redirect':
      res.writeHead(307, { location: action.location, 'content-length': 0 });
      res.end();
      return;
    case 'huge':
      await streamHuge(res, action, proxy);
      return;
    default:
      forward(req, res, target, action);
  }
}

function forward(
  req: IncomingMessage,
  res: ServerResponse,
  target: URL,
  action: FaultAction | undefined
): void {
  const headers = { ...req.headers, host: target.host };
  if (action?.kind === 'ignore-range') delete headers.range;
  const upstream = httpRequest(
    {
      host: target.hostname,
      port: target.port,
      method: req.method,
      path: req.url,
      headers,
    },
    (upstreamRes) => {
      res.writeHead(upstreamRes.statusCode ?? 502, upstreamRes.headers);
      if (action?.kind !== 'cut') {
        upstreamRes.pipe(res);
        return;
      }
      let sent = 0;
      upstreamRes.on('data', (chunk: Buffer) => {
        if (sent >= action.afterBytes) return;
        const part = chunk.subarray(0, action.afterBytes - sent);
        sent += part.length;
        res.write(part);
        if (sent >= action.afterBytes) {
          upstreamRes.destroy();
          // Let the bytes leave before the connection drops.
          setTimeout(() => res.socket?.destroy(), 20);
        }
      });
      upstreamRes.on('end', () => res.end());
    }
  );
  upstream.on('error', () => res.destroy());
  req.pipe(upstream);
}

async function streamHuge(
  res: ServerResponse,
  action: Extract<FaultAction, { kind: 'huge' }>,
  proxy: FaultProxy
): Promise<void> {
  const headers: Record<string, string | number> = {
    'content-type': action.mediaType,
  };
  if (action.contentLength) headers['content-length'] = action.bytes;
  res.writeHead(200, headers);
  const chunk = Buffer.alloc(64 * 1024, 0x20);
  let closed = false;
  let wake = () => {};
  res.on('close', () => {
    closed = true;
    wake();
  });
  res.on('drain', () => wake());
  let written = 0;
  while (written < action.bytes && !closed) {
    const size = Math.min(chunk.length, action.bytes - written);
    const flushed = res.write(chunk.subarray(0, size));
    written += size;
    proxy.hugeBytesWritten = written;
    if (!flushed) {
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  }
  if (!closed) res.end();
}

export interface BlobOrigin {
  baseUrl: string;
  /** One entry per request: the Authorization header it carried, if any. */
  authorizations: (string | undefined)[];
  stop(): Promise<void>;
}

/** Serves `bytes` at any path, like an object store behind a redirect. */
export async function startBlobOrigin(bytes: Uint8Array): Promise<BlobOrigin> {
  const origin: BlobOrigin = {
    baseUrl: '',
    authorizations: [],
    stop: async () => undefined,
  };
  const server = createServer((req, res) => {
    origin.authorizations.push(req.headers.authorization);
    res.writeHead(200, {
      'content-type': 'application/octet-stream',
      'content-length': bytes.length,
    });
    res.end(bytes);
  });
  const address = await listen(server);
  origin.baseUrl = `http://127.0.0.1:${address.port}`;
  origin.stop = () => close(server);
  return origin;
}

function listen(server: Server): Promise<AddressInfo> {
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () =>
      resolve(server.address() as AddressInfo)
    );
  });
}

function close(server: Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((resolve) => server.close(() => resolve()));
}
