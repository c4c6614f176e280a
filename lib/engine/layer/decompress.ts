/**
 * Choosing and running a layer's decompressor from its magic bytes, not its
 * media type (go-containerregistry `internal/compression`, node-tar
 * `parse.ts`): gzip `1f 8b`, zstd `28 b5 2f fd`, anything else plain tar.
 * zstd sits behind the {@link Decompressor} seam because `node:zlib` has it
 * only from Node 22.15; on older Node the maintained pure-JS `fzstd` decoder
 * is used. Output is capped so a decompression bomb ends as an error.
 */
import { Readable, type Transform } from 'node:stream';
import * as zlib from 'node:zlib';
import { Decompress as FzstdDecompress } from 'fzstd';
import { FormatError, LimitExceededError } from '../errors.js';
import { streamChunks } from '../stream-chunks.js';

export type Compression = 'gzip' | 'zstd' | 'none';

/** A streaming decompressor: compressed chunks in, tar bytes out. */
export type Decompressor = (
  source: AsyncIterable<Uint8Array>
) => AsyncIterable<Uint8Array>;

/** zlib output chunk size: 16 KiB default chunks are about 3x slower on big layers. */
const ZLIB_CHUNK = 1024 * 1024;
/** zstd's own default decoder limit (ZSTD_WINDOWLOG_LIMIT_DEFAULT = 27). */
const MAX_ZSTD_WINDOW = 128 * 1024 * 1024;

/** Tells the compression from a layer's first bytes. */
export function sniffCompression(head: Uint8Array): Compression {
  if (head[0] === 0x1f && head[1] === 0x8b) return 'gzip';
  if (
    head[0] === 0x28 &&
    head[1] === 0xb5 &&
    head[2] === 0x2f &&
    head[3] === 0xfd
  ) {
    return 'zstd';
  }
  return 'none';
}

type NodeZstd = { createZstdDecompress?: (options?: object) => Transform };

/** Pipes `source` into a zlib transform; a source error destroys the transform, so readers see it. */
function through(
  source: AsyncIterable<Uint8Array>,
  transform: Transform
): AsyncIterable<Uint8Array> {
  const input = Readable.from(source, { objectMode: false });
  input.on('error', (error) => transform.destroy(error));
  return streamChunks(input.pipe(transform));
}

function gunzip(source: AsyncIterable<Uint8Array>): AsyncIterable<Uint8Array> {
  return through(source, zlib.createGunzip({ chunkSize: ZLIB_CHUNK }));
}

function nodeZstd(
  source: AsyncIterable<Uint8Array>
): AsyncIterable<Uint8Array> {
  const create = (zlib as NodeZstd).createZstdDecompress;
  if (!create) return fzstd(source);
  return through(source, create({ chunkSize: ZLIB_CHUNK }));
}

/** Pure-JS zstd, after checking the first frame's window so a hostile header cannot allocate gigabytes. */
async function* fzstd(
  source: AsyncIterable<Uint8Array>
): AsyncGenerator<Uint8Array> {
  const out: Uint8Array[] = [];
  const decoder = new FzstdDecompress((chunk) => {
    out.push(chunk);
  });
  let checked = false;
  for await (const chunk of source) {
    if (!checked) {
      checkZstdWindow(chunk);
      checked = true;
    }
    pushZstd(decoder, chunk, false);
    while (out.length) yield out.shift() as Uint8Array;
  }
  pushZstd(decoder, new Uint8Array(0), true);
  while (out.length) yield out.shift() as Uint8Array;
}

function pushZstd(
  decoder: FzstdDecompress,
  chunk: Uint8Array,
  final: boolean
): void {
  try {
    decoder.push(chunk, final);
  } catch (error) {
    throw new FormatError(
      `zstd stream is corrupt: ${(error as Error).message}`,
      undefined,
      undefined,
      { cause: error }
    );
  }
}

/** Reads the window size (or single-segment content size) of a zstd frame header (RFC 8878 §3.1.1.1). */
export function checkZstdWindow(head: Uint8Array): void {
  const descriptor = head[4];
  if (descriptor === undefined) return;
  const singleSegment = (descriptor & 0x20) !== 0;
  const fcsFlag = descriptor >> 6;
  const dictBytes = [0, 1, 2, 4][descriptor & 3] ?? 0;
  let size: number;
  if (!singleSegment) {
    const wd = head[5];
    if (wd === undefined) return;
    const exponent = wd >> 3;
    const base = 2 ** (10 + exponent);
    size = base + (base / 8) * (wd & 7);
  } else {
    const at = 5 + dictBytes;
    const width = [1, 2, 4, 8][fcsFlag] ?? 1;
    if (head.length < at + width) return;
    size = 0;
    for (let i = width - 1; i >= 0; i--)
      size = size * 256 + (head[at + i] ?? 0);
    if (width === 2) size += 256;
  }
  if (size > MAX_ZSTD_WINDOW) {
    throw new LimitExceededError(
      'zstd-window',
      `zstd frame needs a ${size}-byte window, over the ${MAX_ZSTD_WINDOW}-byte limit`
    );
  }
}

/** The decompressor for a compression kind. */
export function decompressorFor(compression: Compression): Decompressor {
  if (compression === 'gzip') return gunzip;
  if (compression === 'zstd') return nodeZstd;
  return (source) => source;
}

/**
 * Sniffs the first bytes of `source` and yields the decompressed stream,
 * failing once more than `maxBytes` come out (a decompression bomb).
 */
export async function* decompress(
  source: AsyncIterable<Uint8Array>,
  maxBytes: number,
  onCompression?: (compression: Compression) => void
): AsyncGenerator<Uint8Array> {
  const iterator = source[Symbol.asyncIterator]();
  // Sniff at least 4 bytes, however the source happens to chunk them.
  const head: Uint8Array[] = [];
  let headLength = 0;
  while (headLength < 4) {
    const next = await iterator.next();
    if (next.done) break;
    head.push(next.value);
    headLength += next.value.length;
  }
  if (headLength === 0) return;
  const first =
    head.length === 1 ? (head[0] as Uint8Array) : Buffer.concat(head);
  const compression = sniffCompression(first);
  onCompression?.(compression);
  const rest: AsyncIterable<Uint8Array> = {
    [Symbol.asyncIterator]: () => prepend(first, iterator),
  };
  let total = 0;
  try {
    for await (const chunk of decompressorFor(compression)(rest)) {
      total += chunk.length;
      if (total > maxBytes) {
        throw new LimitExceededError(
          'inflated-bytes',
          `layer expands to more than ${maxBytes} bytes: refusing a possible decompression bomb (raise --max-layer-bytes and --max-inflate-ratio if the layer is genuine)`
        );
      }
      yield chunk;
    }
  } catch (error) {
    if (
      error instanceof Error &&
      'code' in error &&
      typeof (error as { code: unknown }).code === 'string' &&
      (error as { code: string }).code.startsWith('Z_')
    ) {
      throw new FormatError(
        `${compression} stream is corrupt: ${error.message}`,
        undefined,
        undefined,
        { cause: error }
      );
    }
    throw error;
  }
}

async function* prepend(
  head: Uint8Array,
  iterator: AsyncIterator<Uint8Array>
): AsyncGenerator<Uint8Array> {
  yield head;
  for (;;) {
    const next = await iterator.next();
    if (next.done) return;
    yield next.value;
  }
}
