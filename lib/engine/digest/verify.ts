/**
 * Verifying a stream against its descriptor while it flows, in the manner of
 * go-containerregistry's `internal/verify`: count bytes (stop as soon as the
 * stream is longer than the descriptor says), hash every chunk, and compare
 * both when the stream ends. Nothing is buffered.
 */
import { DigestMismatchError, SizeMismatchError } from '../errors.js';
import { createDigester, parseDigest } from './digest.js';

/** What a verified stream must match. */
export interface VerifyTarget {
  digest: string;
  /** Expected byte count; `undefined` when unknown (digest still checked). */
  size?: number;
}

/**
 * Yields the chunks of `source` unchanged and throws at the end (or as soon
 * as the size is exceeded) when size or digest differ from `target`.
 *
 * @example
 * for await (const chunk of verifyStream(blob, { digest, size })) { … }
 */
export async function* verifyStream(
  source: AsyncIterable<Uint8Array>,
  target: VerifyTarget
): AsyncGenerator<Uint8Array> {
  const { algorithm } = parseDigest(target.digest);
  const hash = createDigester(algorithm);
  let count = 0;
  for await (const chunk of source) {
    count += chunk.length;
    if (target.size !== undefined && count > target.size) {
      throw new SizeMismatchError(target.digest, target.size, count);
    }
    hash.update(chunk);
    yield chunk;
  }
  if (target.size !== undefined && count !== target.size) {
    throw new SizeMismatchError(target.digest, target.size, count);
  }
  const actual = `${algorithm}:${hash.digest('hex')}`;
  if (actual !== target.digest) {
    throw new DigestMismatchError(target.digest, actual);
  }
}

/** Verifies a complete byte array; throws like {@link verifyStream}. */
export function verifyBytes(bytes: Uint8Array, target: VerifyTarget): void {
  const { algorithm } = parseDigest(target.digest);
  if (target.size !== undefined && bytes.length !== target.size) {
    throw new SizeMismatchError(target.digest, target.size, bytes.length);
  }
  const actual = `${algorithm}:${createDigester(algorithm).update(bytes).digest('hex')}`;
  if (actual !== target.digest) {
    throw new DigestMismatchError(target.digest, actual);
  }
}
