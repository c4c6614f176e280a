/**
 * Scan history read over HTTP, from the history API of the AWS stack
 * (API Gateway, `lambdas/history-api`) or of `archscan serve`, so
 * `archscan history --api <url>` needs no AWS credentials:
 *
 * - `GET {base}/scans?registry=&repository=&tag=&status=&since=&until=&limit=&cursor=`
 *   answers `{items, cursor}`;
 * - `GET {base}/scans/{digest}` answers the newest scan with its report,
 *   or 404 `{message}` when there is none.
 *
 * Only the reads `archscan history` makes are served; the API has no
 * writes. Failures become errors that name the API by origin and path
 * (never a token or query) and say what to change.
 */
import { type Dispatcher, request } from 'undici';
import { ConfigError, ScannerError } from '../../engine/errors.js';
import type {
  ScanRecord,
  ScanSummary,
} from '../../engine/history/scan-record.js';
import type { ListOptions, Page, ScanStore } from '../../ports/scan-store.js';

/** Options of {@link HistoryApiClient}. */
export interface HistoryApiClientOptions {
  /** Base URL of the API, stage included: `https://abc.execute-api.eu-west-1.amazonaws.com/prod`. */
  readonly url: string;
  /** Sent as `Authorization: Bearer <token>`. */
  readonly token?: string;
  /** Time allowed for headers, and between body chunks, in ms. */
  readonly timeoutMs?: number;
  /** An undici dispatcher (proxy, test agent); default the global one. */
  readonly dispatcher?: Dispatcher;
}

// The API answers from one table query; 30 s means it is not answering.
const DEFAULT_TIMEOUT_MS = 30_000;
// A page of summaries is small and one report is capped by the store;
// anything this large is not an answer from the history API.
const MAX_BODY_BYTES = 64 * 1024 * 1024;
// Server messages worth quoting are one sentence.
const MAX_MESSAGE = 300;

/**
 * The history API as a read-only `ScanStore`.
 *
 * @example
 * const store = new HistoryApiClient({ url: 'http://127.0.0.1:8080', token });
 * await historyCommand(store, { status: 'fail', format: 'table' }, io);
 */
export class HistoryApiClient implements ScanStore {
  readonly #base: URL;
  readonly #token: string | undefined;
  readonly #timeoutMs: number;
  readonly #dispatcher: Dispatcher | undefined;

  /**
   * @throws ConfigError when `url` is not an http(s) URL, or when a token
   *   would travel over plain http to a host that is not loopback.
   */
  constructor(options: HistoryApiClientOptions) {
    this.#base = parseBase(options.url);
    this.#token = options.token || undefined;
    this.#timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    this.#dispatcher = options.dispatcher;
    if (
      this.#token &&
      this.#base.protocol === 'http:' &&
      !isLoopback(this.#base.hostname)
    ) {
      throw new ConfigError(
        `refusing to send the API token over plain http to ${this.shownUrl}: use an https URL`
      );
    }
  }

  /** The API as it may be shown: origin and path, no credentials or query. */
  get shownUrl(): string {
    return `${this.#base.origin}${this.#base.pathname}`.replace(/\/$/, '');
  }

  async listByRepository(
    registry: string,
    repository: string,
    options: ListOptions = {}
  ): Promise<Page<ScanSummary>> {
    return this.#page({ registry, repository, ...options });
  }

  /** @throws ConfigError without `status` fail or error: the API lists failures by status. */
  async listFailures(options: ListOptions = {}): Promise<Page<ScanSummary>> {
    if (options.status !== 'fail' && options.status !== 'error') {
      throw new ConfigError(
        'the history API lists failures by status: pass --status fail or --status error'
      );
    }
    return this.#page({ ...options });
  }

  async latestByDigest(digest: string): Promise<ScanRecord | undefined> {
    const answer = await this.#get(`/scans/${encodeURIComponent(digest)}`, {});
    if (answer.status === 404 && answer.json !== undefined) return undefined;
    const record = this.#expectOk(answer, `/scans/${digest}`);
    if (!isRecord(record)) {
      throw this.#notHistory('a scan with its report');
    }
    return record;
  }

  /** @throws ConfigError: the history API is read-only. */
  async put(): Promise<void> {
    throw readOnly('store scans');
  }

  /** @throws ConfigError: the history API has no lookup by scan id. */
  async get(): Promise<ScanRecord | undefined> {
    throw readOnly('look scans up by id');
  }

  /** @throws ConfigError: the history API has no such query. */
  async previous(): Promise<ScanRecord | undefined> {
    throw readOnly('find the previous scan of a tag');
  }

  async #page(params: Record<string, unknown>): Promise<Page<ScanSummary>> {
    const answer = await this.#get('/scans', params);
    const page = this.#expectOk(answer, '/scans');
    if (!isPage(page)) throw this.#notHistory('a page of scans');
    return page;
  }

  /** The JSON of a 2xx answer, or the error its status means. */
  #expectOk(answer: Answer, route: string): unknown {
    const { status, json } = answer;
    if (status >= 200 && status < 300) {
      if (json === undefined) throw this.#notJson(answer);
      return json;
    }
    const said = messageOf(json);
    const tail = said ? `: ${said}` : '';
    if (status === 400) {
      throw new ConfigError(`the history API refused the query${tail}`);
    }
    if (status === 401 || status === 403) {
      throw new ScannerError(
        'auth',
        this.#token
          ? `the history API at ${this.shownUrl} refused the token (${status}${tail}): check --api-token or ARCHSCAN_API_TOKEN`
          : `the history API at ${this.shownUrl} needs a token (${status}${tail}): pass --api-token or set ARCHSCAN_API_TOKEN`
      );
    }
    if (status === 404) {
      throw new ConfigError(
        `the history API at ${this.shownUrl} has no route GET ${route} (404): --api must be the API's base URL, stage included`
      );
    }
    if (status >= 300 && status < 400) {
      throw new ConfigError(
        `the history API at ${this.shownUrl} redirects (${status}): give --api the URL it redirects to`
      );
    }
    throw new ScannerError(
      'internal',
      `the history API at ${this.shownUrl} answered ${status}${tail}${
        status === 429 || status >= 500 ? ': try again later' : ''
      }`
    );
  }

  async #get(path: string, params: Record<string, unknown>): Promise<Answer> {
    const url = new URL(this.#base.href);
    url.pathname = `${url.pathname.replace(/\/$/, '')}${path}`;
    for (const [key, value] of Object.entries(params)) {
      if (value !== undefined) url.searchParams.set(key, String(value));
    }
    let response: Dispatcher.ResponseData;
    try {
      response = await request(url, {
        method: 'GET',
        headers: {
          accept: 'application/json',
          'user-agent': 'archscan',
          ...(this.#token ? { authorization: `Bearer ${this.#token}` } : {}),
        },
        headersTimeout: this.#timeoutMs,
        bodyTimeout: this.#timeoutMs,
        ...(this.#dispatcher ? { dispatcher: this.#dispatcher } : {}),
      });
    } catch (error) {
      throw this.#unreachable(error);
    }
    const text = await readCapped(response.body).catch((error: unknown) => {
      throw this.#unreachable(error);
    });
    const contentType = String(response.headers['content-type'] ?? '');
    return { status: response.statusCode, contentType, json: parseJson(text) };
  }

  #unreachable(error: unknown): ScannerError {
    const code =
      (error as { code?: unknown })?.code ??
      (error instanceof Error ? error.name : 'error');
    return new ConfigError(
      `could not reach the history API at ${this.shownUrl} (${String(code)}): check --api and that the server is running`
    );
  }

  #notJson(answer: Answer): ScannerError {
    return new ScannerError(
      'format',
      `the history API at ${this.shownUrl} did not answer JSON (content-type ${
        answer.contentType || 'none'
      }): --api must be the API's base URL`
    );
  }

  #notHistory(what: string): ScannerError {
    return new ScannerError(
      'format',
      `the history API at ${this.shownUrl} answered JSON that is not ${what}: --api must be an archscan history API`
    );
  }
}

/** One HTTP answer: status and body, parsed when it is JSON. */
interface Answer {
  readonly status: number;
  readonly contentType: string;
  readonly json: unknown;
}

function parseBase(text: string): URL {
  let url: URL;
  try {
    url = new URL(text);
  } catch {
    throw new ConfigError(
      `--api must be an http or https URL, got ${JSON.stringify(text.slice(0, 200))}`
    );
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(
      `--api must be an http or https URL, got a ${url.protocol} URL`
    );
  }
  if (url.username || url.password) {
    throw new ConfigError(
      '--api must not carry credentials: pass the token with --api-token or ARCHSCAN_API_TOKEN'
    );
  }
  url.search = '';
  url.hash = '';
  return url;
}

function isLoopback(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '');
  return host === 'localhost' || host === '::1' || /^127\./.test(host);
}

async function readCapped(body: Dispatcher.ResponseData['body']) {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of body) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_BODY_BYTES) {
      body.destroy();
      throw Object.assign(new Error('answer too large'), {
        code: 'ANSWER_TOO_LARGE',
      });
    }
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

/** The API's `{message}`, cut and made printable. */
function messageOf(json: unknown): string | undefined {
  if (typeof json !== 'object' || json === null) return undefined;
  const message = (json as { message?: unknown }).message;
  if (typeof message !== 'string') return undefined;
  const clean = message.replace(/[^\x20-\x7e]+/g, ' ').trim();
  return clean.length > MAX_MESSAGE ? `${clean.slice(0, MAX_MESSAGE)}…` : clean;
}

function isSummary(value: unknown): value is ScanSummary {
  if (typeof value !== 'object' || value === null) return false;
  const s = value as Record<string, unknown>;
  const counts = s.counts as Record<string, unknown> | undefined;
  return (
    typeof s.scanId === 'string' &&
    typeof s.registry === 'string' &&
    typeof s.repository === 'string' &&
    typeof s.scannedAt === 'string' &&
    typeof s.status === 'string' &&
    typeof counts?.error === 'number' &&
    typeof counts.warning === 'number'
  );
}

function isPage(value: unknown): value is Page<ScanSummary> {
  if (typeof value !== 'object' || value === null) return false;
  const page = value as Record<string, unknown>;
  return (
    Array.isArray(page.items) &&
    page.items.every(isSummary) &&
    (page.cursor === undefined || typeof page.cursor === 'string')
  );
}

function isRecord(value: unknown): value is ScanRecord {
  const report = (value as { report?: { findings?: unknown } })?.report;
  return isSummary(value) && Array.isArray(report?.findings);
}

function readOnly(what: string): ConfigError {
  return new ConfigError(`the history API is read-only: it cannot ${what}`);
}
