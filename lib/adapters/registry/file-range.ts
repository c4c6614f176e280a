/**
 * Reading a byte range of a local file, whole or as a stream. The local
 * image sources serve every blob this way: a file in an OCI layout
 * directory is the range `[0, size)`, a tar member is the range its header
 * points at. Nothing is buffered beyond one chunk.
 */
import { createReadStream } from 'node:fs';
import { open } from 'node:fs/promises';
import { FormatError } from '../../engine/errors.js';
import type { BlobOptions } from '../../ports/registry.js';

/**
 * Read size per chunk. Layers run to gigabytes; 1 MiB chunks keep the
 * syscall and hashing overhead low while bounding memory per stream
 * (the fs default of 64 KiB costs 16 times as many reads).
 */
export const CHUNK_BYTES = 1024 * 1024;

/** A byte range of a file. */
export interface FileRange {
  readonly path: string;
  readonly start: number;
  readonly size: number;
}

/**
 * Reads a whole range into memory; only for small documents (indexes,
 * manifests, configs) whose size the caller has already capped.
 *
 * @throws FormatError when the file ends before the range does.
 */
export async function readRange(range: FileRange): Promise<Uint8Array> {
  const handle = await open(range.path, 'r');
  try {
    const buffer = Buffer.alloc(range.size);
    let done = 0;
    while (done < range.size) {
      const { bytesRead } = await handle.read(
        buffer,
        done,
        range.size - done,
        range.start + done
      );
      if (bytesRead === 0) throw shortRead(range, done);
      done += bytesRead;
    }
    return buffer;
  } finally {
    await handle.close();
  }
}

/**
 * Streams a range in {@link CHUNK_BYTES} chunks, reporting the running
 * byte count to `onProgress`.
 *
 * @example
 * for await (const chunk of streamRange({ path, start: 0, size })) hash.update(chunk);
 * @throws FormatError when the file ends before the range does (it was
 *   truncated after the source was opened).
 */
export async function* streamRange(
  range: FileRange,
  options: BlobOptions = {}
): AsyncGenerator<Uint8Array> {
  options.signal?.throwIfAborted();
  if (range.size === 0) return;
  const stream = createReadStream(range.path, {
    start: range.start,
    end: range.start + range.size - 1,
    highWaterMark: CHUNK_BYTES,
    ...(options.signal ? { signal: options.signal } : {}),
  });
  let count = 0;
  for await (const chunk of stream as AsyncIterable<Buffer>) {
    count += chunk.length;
    options.onProgress?.(count);
    yield chunk;
  }
  if (count !== range.size) throw shortRead(range, count);
}

function shortRead(range: FileRange, got: number): FormatError {
  return new FormatError(
    `${range.path} ended after ${got} of ${range.size} bytes at offset ${range.start}: the file was truncated or changed while being read; write it again`
  );
}
