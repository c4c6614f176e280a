/**
 * Streaming a blob that survives cut connections (OCI distribution-spec
 * "Pulling blobs" and RFC 9110 §14 range requests;
 * reference/oci-and-registries.md §1.3). After a failure mid-body the
 * download is reopened with `Range: bytes=N-`; a `206` whose
 * `Content-Range` starts at N continues the stream, and anything else (a
 * `200` from a server that ignores ranges) is read from the start with the
 * first N bytes skipped. Either way the consumer sees every byte once, in
 * order. Reading stops as soon as the blob grows past its descriptor's
 * size; checking the digest is the consumer's job.
 */
import type { Dispatcher } from 'undici';
import { RegistryError, SizeMismatchError } from '../../engine/errors.js';
import type { Descriptor } from '../../engine/manifest/manifest.js';
import { discard, headerValue } from './body.js';
import { connectionError } from './registry-errors.js';
import { backoffDelay, isRetryable, type RetryPolicy, retry } from './retry.js';
import type { Transport } from './transport.js';

/** Blob bodies buffer up to 1 MiB, so a slow consumer reads big chunks. */
export const BLOB_HIGH_WATER_MARK = 1024 * 1024;

/** What {@link streamBlob} needs. */
export interface BlobStreamOptions {
  readonly transport: Transport;
  readonly policy: RetryPolicy;
  readonly registry: string;
  readonly repository: string;
  readonly descriptor: Descriptor;
  readonly signal?: AbortSignal;
  readonly onProgress?: (bytes: number) => void;
}

/**
 * Yields the blob's bytes, resuming after failures up to
 * `policy.attempts` times.
 */
export async function* streamBlob(
  options: BlobStreamOptions
): AsyncGenerator<Uint8Array, void, undefined> {
  const { descriptor, policy, signal } = options;
  let delivered = 0;
  let failures = 0;
  for (;;) {
    const response = await open(options, delivered);
    const start = rangeStart(response);
    if (start < 0 || start > delivered) {
      response.body.destroy();
      throw new RegistryError(
        `${options.registry} answered blob ${descriptor.digest} with a range that was not asked for: the registry is misbehaving`,
        { status: response.statusCode }
      );
    }
    let skip = delivered - start;
    try {
      for await (const chunk of response.body as AsyncIterable<Buffer>) {
        let data: Uint8Array = chunk;
        if (skip > 0) {
          const dropped = Math.min(skip, data.length);
          skip -= dropped;
          data = data.subarray(dropped);
          if (data.length === 0) continue;
        }
        if (delivered + data.length > descriptor.size) {
          response.body.destroy();
          throw new SizeMismatchError(
            descriptor.digest,
            descriptor.size,
            delivered + data.length
          );
        }
        delivered += data.length;
        options.onProgress?.(delivered);
        yield data;
      }
      return;
    } catch (error) {
      const mapped = connectionError(error, options.registry, signal);
      failures++;
      if (!isRetryable(mapped) || failures >= policy.attempts) throw mapped;
      await policy.sleep(backoffDelay(failures, policy), signal);
    }
  }
}

/** Opens the blob at `offset` (with retries for 429/5xx/socket errors). */
async function open(
  options: BlobStreamOptions,
  offset: number
): Promise<Dispatcher.ResponseData> {
  const { descriptor, repository } = options;
  const headers: Record<string, string> = {};
  if (offset > 0) headers.range = `bytes=${offset}-`;
  return retry(options.policy, options.signal, async () => {
    const attempt = await options.transport.attempt({
      repository,
      path: `/v2/${repository}/blobs/${descriptor.digest}`,
      what: `blob ${descriptor.digest}`,
      headers,
      signal: options.signal,
      highWaterMark: BLOB_HIGH_WATER_MARK,
    });
    if ('value' in attempt && !usable(attempt.value, offset)) {
      // A range we did not ask for: read the whole blob again instead.
      await discard(attempt.value.body);
      return options.transport.attempt({
        repository,
        path: `/v2/${repository}/blobs/${descriptor.digest}`,
        what: `blob ${descriptor.digest}`,
        signal: options.signal,
        highWaterMark: BLOB_HIGH_WATER_MARK,
      });
    }
    return attempt;
  });
}

/** A 200, or a 206 that starts exactly where the stream stopped. */
function usable(response: Dispatcher.ResponseData, offset: number): boolean {
  return response.statusCode === 200 || rangeStart(response) === offset;
}

/**
 * Where the body starts in the blob: 0 for a 200, the first byte of
 * `Content-Range` (`bytes 100-999/1000`) for a 206, -1 when unreadable.
 */
export function rangeStart(response: Dispatcher.ResponseData): number {
  if (response.statusCode !== 206) return 0;
  const range = headerValue(response.headers, 'content-range') ?? '';
  const match = /^bytes\s+(\d+)-\d+\/(?:\d+|\*)$/i.exec(range.trim());
  return match ? Number(match[1]) : -1;
}
