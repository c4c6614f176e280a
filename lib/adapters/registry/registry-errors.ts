/**
 * Turning registry responses and socket failures into `RegistryError`s
 * (OCI distribution-spec "Error Codes"; reference/oci-and-registries.md
 * §1.4; go-containerregistry `transport/error.go`). Error bodies may be
 * JSON, HTML from a proxy, or empty, so they are read to 64 KiB at most
 * and parsed defensively. Messages are lower case, say what to do, and
 * never carry a credential or a URL's query string.
 */
import type { Dispatcher } from 'undici';
import { RegistryError, ScannerError } from '../../engine/errors.js';
import { readPrefix } from './body.js';
import { abortedError, isRetryableStatus } from './retry.js';

/** What a request was for, to name it in messages. */
export interface RequestContext {
  /** `host[:port]` */
  readonly registry: string;
  readonly repository: string;
  /** `manifest latest`, `blob sha256:…` */
  readonly what: string;
  /** True when an Authorization header was sent. */
  readonly authenticated?: boolean;
}

/** Socket errors that say nothing about the server's health. */
const PERMANENT_CONNECTION_CODES: ReadonlySet<string> = new Set([
  'ENOTFOUND',
  'CERT_HAS_EXPIRED',
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'ERR_TLS_CERT_ALTNAME_INVALID',
  'UND_ERR_INVALID_ARG',
]);

/**
 * Reads (a prefix of) an error response and builds the matching error:
 * status, registry diagnostics, and `retryable` for 408, 429 and 5xx.
 */
export async function responseError(
  response: Dispatcher.ResponseData,
  context: RequestContext
): Promise<RegistryError> {
  const body = await readPrefix(response.body);
  const diagnostics = parseDiagnostics(body);
  const status = response.statusCode;
  const said = diagnostics.length ? ` (registry says ${diagnostics[0]})` : '';
  return new RegistryError(`${statusMessage(status, context)}${said}`, {
    status,
    diagnostics,
    retryable: isRetryableStatus(status),
  });
}

function statusMessage(status: number, context: RequestContext): string {
  const { registry, repository, what } = context;
  const where = `${registry}/${repository}`;
  switch (status) {
    case 401:
      return context.authenticated
        ? `authentication failed for ${where}: the registry rejected the credentials; run docker login again or fix them`
        : `authentication required for ${where}: run docker login or set credentials`;
    case 403:
      return `access denied to ${where}: the credentials may not pull this repository; check its permissions`;
    case 404:
      return `${what} not found in ${where}: check the repository name and the tag or digest`;
    case 429:
      return `too many requests to ${registry}: wait for the rate limit to reset, or authenticate to raise it`;
    default:
      if (status >= 500) {
        return `${registry} failed with status ${status} fetching ${what} from ${repository}: the registry is unhealthy; retry later`;
      }
      return `${registry} answered status ${status} fetching ${what} from ${repository}: check the reference and the registry address`;
  }
}

/**
 * Extracts `errors[].code` from a distribution-spec error body. Anything
 * that is not that shape (HTML, text, truncated JSON) yields `[]`.
 */
export function parseDiagnostics(body: Uint8Array): string[] {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(body).toString('utf8'));
  } catch {
    return [];
  }
  if (typeof parsed !== 'object' || parsed === null) return [];
  const errors = (parsed as { errors?: unknown }).errors;
  if (!Array.isArray(errors)) return [];
  return errors.flatMap((entry: unknown) => {
    const code = (entry as { code?: unknown } | null)?.code;
    return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code)
      ? [code]
      : [];
  });
}

/**
 * Maps a thrown socket or undici error to a `RegistryError` (retryable
 * unless the cause cannot heal, like an unknown host or a bad certificate),
 * or to an `aborted` ScannerError when `signal` fired.
 */
export function connectionError(
  error: unknown,
  registry: string,
  signal?: AbortSignal
): ScannerError {
  if (signal?.aborted) return abortedError(signal);
  if (error instanceof ScannerError) return error;
  const code = errorCode(error);
  const permanent = PERMANENT_CONNECTION_CODES.has(code);
  const advice = code.includes('CERT')
    ? 'the tls certificate is not trusted; fix it or use an insecure registry on purpose'
    : 'check the registry address and the network';
  return new RegistryError(
    `connection to ${registry} failed (${code}): ${advice}`,
    { retryable: !permanent, cause: error }
  );
}

function errorCode(error: unknown): string {
  if (typeof error === 'object' && error !== null) {
    const { code, name } = error as { code?: unknown; name?: unknown };
    if (typeof code === 'string') return code;
    if (typeof name === 'string') return name;
  }
  return 'unknown error';
}

/**
 * A URL fit for messages: no user info, no query string (pre-signed URLs
 * carry credentials there), no fragment.
 *
 * @example redactUrl('https://s3/x?X-Amz-Signature=abc') // 'https://s3/x?REDACTED'
 */
export function redactUrl(url: string | URL): string {
  try {
    const parsed = new URL(url);
    const query = parsed.search ? '?REDACTED' : '';
    return `${parsed.protocol}//${parsed.host}${parsed.pathname}${query}`;
  } catch {
    return '(invalid url)';
  }
}
