/**
 * Turning DynamoDB and S3 failures into `StoreError`s, the way Powertools'
 * DynamoDB persistence layer maps SDK exceptions to its own errors: callers
 * tell them apart by `code` and `retryable`, never by the SDK's class names.
 */
import { type ErrorCode, ScannerError } from '../../engine/errors.js';

/** Options of a {@link StoreError}. */
export interface StoreErrorOptions extends ErrorOptions {
  readonly code?: ErrorCode;
  /** True when repeating the call may succeed (throttling, 5xx). */
  readonly retryable?: boolean;
}

/** Scan history or the layer cache could not be read or written. */
export class StoreError extends ScannerError {
  override readonly name = 'StoreError';
  readonly retryable: boolean;

  constructor(message: string, options: StoreErrorOptions = {}) {
    super(options.code ?? 'internal', message, options);
    this.retryable = options.retryable ?? false;
  }
}

// The SDK already retried these with backoff (standard mode, 3 attempts);
// the caller (an SQS redelivery, an API client) may try again later.
const RETRYABLE = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'RequestLimitExceeded',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'SlowDown',
  'TimeoutError',
]);

/** The SDK's error name, or undefined for anything that is not an SDK error. */
export function awsErrorName(error: unknown): string | undefined {
  return error instanceof Error ? error.name : undefined;
}

/**
 * Wraps an SDK failure in a {@link StoreError}; `what` names the operation
 * (`put scan …`) and `resource` the table or bucket, for the message.
 */
export function storeError(
  error: unknown,
  what: string,
  resource: string
): ScannerError {
  if (error instanceof ScannerError) return error;
  const name = awsErrorName(error) ?? 'UnknownError';
  if (name === 'ResourceNotFoundException' || name === 'NoSuchBucket') {
    return new StoreError(
      `${what}: ${resource} does not exist; check TABLE_NAME and REPORTS_BUCKET`,
      { code: 'config', cause: error }
    );
  }
  if (name === 'AccessDeniedException' || name === 'AccessDenied') {
    return new StoreError(
      `${what}: access to ${resource} denied; grant the function read and write on it`,
      { code: 'auth', cause: error }
    );
  }
  if (name === 'NoSuchKey') {
    return new StoreError(`${what}: object missing from ${resource}`, {
      code: 'not-found',
      cause: error,
    });
  }
  const detail = error instanceof Error ? error.message : String(error);
  return new StoreError(`${what} on ${resource} failed: ${name}: ${detail}`, {
    retryable: RETRYABLE.has(name),
    cause: error,
  });
}
