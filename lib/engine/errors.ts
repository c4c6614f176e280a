/**
 * The scanner's error hierarchy. Every error thrown from `lib/` is a
 * {@link ScannerError} with a stable `code`; callers tell errors apart by
 * class or code, never by message text. Messages are lower case, name the
 * bad value and say what to change, and never contain a secret.
 */

/** Stable machine-readable error codes, carried into the report's `error.code`. */
export type ErrorCode =
  | 'registry'
  | 'auth'
  | 'not-found'
  | 'digest-mismatch'
  | 'size-mismatch'
  | 'unsupported-media-type'
  | 'format'
  | 'config'
  | 'limit-exceeded'
  | 'aborted'
  | 'notify'
  | 'forbidden'
  | 'internal';

/** Base class of every error archscan throws. */
export class ScannerError extends Error {
  override readonly name: string = 'ScannerError';
  readonly code: ErrorCode;

  constructor(code: ErrorCode, message: string, options?: ErrorOptions) {
    super(message, options);
    this.code = code;
  }
}

/** Options describing a failed registry exchange. */
export interface RegistryErrorOptions extends ErrorOptions {
  /** HTTP status, when a response arrived. */
  status?: number;
  /** Error codes from the registry's JSON error body (e.g. `MANIFEST_UNKNOWN`). */
  diagnostics?: string[];
  /** True when repeating the request may succeed (429, 5xx, cut connection). */
  retryable?: boolean;
  /** Overrides the code (`auth` for 401/403, `not-found` for 404). */
  code?: ErrorCode;
}

/** A registry answered with an error, or the connection failed. */
export class RegistryError extends ScannerError {
  override readonly name = 'RegistryError';
  readonly status: number | undefined;
  readonly diagnostics: string[];
  readonly retryable: boolean;

  constructor(message: string, options: RegistryErrorOptions = {}) {
    super(options.code ?? codeForStatus(options.status), message, options);
    this.status = options.status;
    this.diagnostics = options.diagnostics ?? [];
    this.retryable = options.retryable ?? false;
  }
}

function codeForStatus(status: number | undefined): ErrorCode {
  if (status === 401 || status === 403) return 'auth';
  if (status === 404) return 'not-found';
  return 'registry';
}

/** Content did not hash to the digest that named it. */
export class DigestMismatchError extends ScannerError {
  override readonly name = 'DigestMismatchError';
  constructor(
    readonly expected: string,
    readonly actual: string
  ) {
    super(
      'digest-mismatch',
      `content digest mismatch: expected ${expected}, got ${actual}`
    );
  }
}

/** Content was longer or shorter than its descriptor said. */
export class SizeMismatchError extends ScannerError {
  override readonly name = 'SizeMismatchError';
  constructor(
    readonly digest: string,
    readonly expected: number,
    readonly actual: number
  ) {
    super(
      'size-mismatch',
      `size mismatch for ${digest}: descriptor says ${expected} bytes, ` +
        `${actual > expected ? 'got more than that' : `got ${actual}`}`
    );
  }
}

/** A document or blob of a type archscan does not read. */
export class UnsupportedMediaTypeError extends ScannerError {
  override readonly name = 'UnsupportedMediaTypeError';
  constructor(
    readonly mediaType: string,
    message?: string
  ) {
    super(
      'unsupported-media-type',
      message ?? `unsupported media type ${JSON.stringify(mediaType)}`
    );
  }
}

/**
 * Malformed input at a known place, in the manner of Go's
 * `debug/elf.FormatError`: where, what, and the offending value.
 */
export class FormatError extends ScannerError {
  override readonly name = 'FormatError';
  constructor(
    message: string,
    readonly offset?: number,
    readonly value?: unknown,
    options?: ErrorOptions
  ) {
    super(
      'format',
      offset === undefined ? message : `${message} at offset ${offset}`,
      options
    );
  }
}

/** Bad configuration or bad arguments from the user. */
export class ConfigError extends ScannerError {
  override readonly name = 'ConfigError';
  constructor(message: string, options?: ErrorOptions) {
    super('config', message, options);
  }
}

/** Input exceeded a safety cap (size, depth, ratio). */
export class LimitExceededError extends ScannerError {
  override readonly name = 'LimitExceededError';
  constructor(
    readonly limit: string,
    message: string
  ) {
    super('limit-exceeded', message);
  }
}

/** Options describing a failed delivery of a notification. */
export interface NotifyErrorOptions extends ErrorOptions {
  /** HTTP status, when a response arrived. */
  status?: number;
  /** The receiver's error names (e.g. Slack's `channel_not_found`, SNS's `NotFoundException`). */
  diagnostics?: string[];
  /** True when sending again later may succeed (throttling, 5xx, cut connection). */
  retryable?: boolean;
}

/**
 * A notification could not be delivered (SNS publish, Slack webhook). The
 * message never contains the destination's secret part (webhook URLs are
 * redacted before they get here).
 */
export class NotifyError extends ScannerError {
  override readonly name = 'NotifyError';
  readonly status: number | undefined;
  readonly diagnostics: string[];
  readonly retryable: boolean;

  constructor(message: string, options: NotifyErrorOptions = {}) {
    super('notify', message, options);
    this.status = options.status;
    this.diagnostics = options.diagnostics ?? [];
    this.retryable = options.retryable ?? false;
  }
}

/** Why a webhook delivery was turned away, as the HTTP status it answers. */
export type WebhookRefusal = 400 | 401 | 403 | 404;

/**
 * A webhook delivery that is not accepted: forged or replayed (401), a
 * body that is not what the provider sends (400), a registry outside the
 * allowlist (403), an unknown or unconfigured provider (404). Nothing of
 * such a delivery is queued. Messages name the problem, never a secret.
 */
export class WebhookError extends ScannerError {
  override readonly name = 'WebhookError';
  constructor(
    readonly status: WebhookRefusal,
    message: string,
    options?: ErrorOptions
  ) {
    super(
      status === 401
        ? 'auth'
        : status === 403
          ? 'forbidden'
          : status === 404
            ? 'not-found'
            : 'format',
      message,
      options
    );
  }
}

/**
 * A registry, address or URL archscan must not contact: not on the
 * allowlist, private or link-local, or carrying credentials.
 */
export class EgressRefusedError extends ScannerError {
  override readonly name = 'EgressRefusedError';
  constructor(message: string, options?: ErrorOptions) {
    super('forbidden', message, options);
  }
}

/** Turns anything thrown into a ScannerError, keeping the original as cause. */
export function toScannerError(error: unknown): ScannerError {
  if (error instanceof ScannerError) return error;
  if (error instanceof Error && error.name === 'AbortError') {
    return new ScannerError('aborted', 'the scan was aborted', {
      cause: error,
    });
  }
  const message = error instanceof Error ? error.message : String(error);
  return new ScannerError('internal', `unexpected failure: ${message}`, {
    cause: error,
  });
}
