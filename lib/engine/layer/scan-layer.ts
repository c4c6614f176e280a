/**
 * One layer, end to end, streamed once: blob → size and digest check →
 * decompression (chosen by magic bytes) → tar walk → {@link LayerFacts}.
 * When decompression or the tar walk fails, the rest of the blob is still
 * read so a corrupt download is reported as what it is (a digest mismatch),
 * not as the gzip or tar error it caused.
 */
import { StreamVerifier } from '../digest/verifier.js';
import { DigestMismatchError, SizeMismatchError } from '../errors.js';
import type { Descriptor } from '../manifest/manifest.js';
import { decompress } from './decompress.js';
import type { LayerFacts } from './facts.js';
import { DEFAULT_WALK_LIMITS, type WalkLimits, walkTar } from './tar-walk.js';

export interface LayerLimits extends WalkLimits {
  /** Most uncompressed bytes one layer may expand to (decompression-bomb bound). */
  maxLayerBytes: number;
  /** Most uncompressed bytes per compressed byte, above {@link minRatioBytes}. */
  maxInflateRatio: number;
  /** Layers may always expand to this many bytes, whatever the ratio. */
  minRatioBytes: number;
}

export const DEFAULT_LAYER_LIMITS: LayerLimits = {
  ...DEFAULT_WALK_LIMITS,
  // Real layers rarely exceed a few GB; 64 GiB stops a bomb without refusing big images.
  maxLayerBytes: 64 * 1024 ** 3,
  // Real layers inflate 2-10x, sparse files of zeros more; gzip's ceiling is
  // ~1032x, so 200x catches a bomb after reading a fraction of it.
  maxInflateRatio: 200,
  minRatioBytes: 1024 ** 3,
};

/** The inflated-bytes cap for one layer of `compressedSize` bytes. */
export function inflateCap(
  limits: LayerLimits,
  compressedSize: number
): number {
  const byRatio = Math.max(
    limits.minRatioBytes,
    compressedSize * limits.maxInflateRatio
  );
  return Math.min(limits.maxLayerBytes, byRatio);
}

export interface ScanLayerOptions {
  limits?: LayerLimits;
  signal?: AbortSignal;
}

/**
 * Streams one layer blob and returns what it contains.
 *
 * @throws DigestMismatchError / SizeMismatchError when the blob is not what
 *   the descriptor names; FormatError for corrupt compression or tar;
 *   LimitExceededError for a bomb.
 */
export async function scanLayer(
  blob: AsyncIterable<Uint8Array>,
  descriptor: Descriptor,
  options: ScanLayerOptions = {}
): Promise<LayerFacts> {
  const limits = options.limits ?? DEFAULT_LAYER_LIMITS;
  const verifier = new StreamVerifier({
    digest: descriptor.digest,
    size: descriptor.size,
  });
  const source = blob[Symbol.asyncIterator]();
  let ended = false;
  // A source that failed has nothing more to read: its error is the answer,
  // not the size mismatch that draining the dead iterator would report.
  let sourceFailed = false;
  const next = async (): Promise<IteratorResult<Uint8Array>> => {
    options.signal?.throwIfAborted();
    const result = await source.next().catch((error: unknown) => {
      sourceFailed = true;
      throw error;
    });
    if (result.done) ended = true;
    else verifier.update(result.value);
    return result;
  };
  // Not a generator of `source`: closing this stream early leaves `source` open for the drain below.
  const feed: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => ({ next }),
  };
  let inflated = 0;
  async function* counted(): AsyncGenerator<Uint8Array> {
    for await (const chunk of decompress(
      feed,
      inflateCap(limits, descriptor.size)
    )) {
      inflated += chunk.length;
      yield chunk;
    }
  }
  try {
    const walked = await walkTar(counted(), limits);
    while (!ended) await next();
    verifier.finish();
    return { digest: descriptor.digest, ...walked, bytesInflated: inflated };
  } catch (error) {
    if (
      sourceFailed ||
      error instanceof DigestMismatchError ||
      error instanceof SizeMismatchError
    )
      throw error;
    await explainFailure(next, () => ended, verifier, error);
    throw error;
  } finally {
    if (!ended) await source.return?.();
  }
}

/** Reads the rest of the blob; a digest or size mismatch replaces the downstream error. */
async function explainFailure(
  next: () => Promise<IteratorResult<Uint8Array>>,
  isEnded: () => boolean,
  verifier: StreamVerifier,
  original: unknown
): Promise<void> {
  try {
    while (!isEnded()) await next();
    verifier.finish();
  } catch (mismatch) {
    if (
      mismatch instanceof DigestMismatchError ||
      mismatch instanceof SizeMismatchError
    ) {
      throw Object.assign(mismatch, { cause: original });
    }
  }
}
