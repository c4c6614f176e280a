/**
 * Reading a Node stream chunk by chunk, without copies. A `Readable`'s own
 * async iterator calls `read()`, which joins every buffered chunk into a
 * new buffer: on a multi-GB layer that is a second copy of every byte.
 * This iterator takes chunks from `'data'` events as they are and pauses
 * the stream while the consumer is behind, so memory stays bounded.
 */
import type { Readable } from 'node:stream';

/**
 * Bytes buffered before the source is paused: four 1 MiB zlib chunks, or
 * sixty-four 64 KiB socket reads (pausing a socket much sooner stalls it).
 */
const HIGH_WATER_BYTES = 4 * 1024 * 1024;

/** Yields `stream`'s chunks unchanged; destroys the stream if the consumer stops early. */
export async function* streamChunks(
  stream: Readable
): AsyncGenerator<Uint8Array> {
  const queue: Uint8Array[] = [];
  let queued = 0;
  let ended = false;
  let failure: unknown;
  let wake: (() => void) | undefined;
  const signal = () => {
    const resolve = wake;
    wake = undefined;
    resolve?.();
  };
  stream.on('data', (chunk: Uint8Array) => {
    queue.push(chunk);
    queued += chunk.length;
    if (queued >= HIGH_WATER_BYTES) stream.pause();
    signal();
  });
  stream.once('end', () => {
    ended = true;
    signal();
  });
  stream.once('error', (error) => {
    failure = error;
    signal();
  });
  try {
    for (;;) {
      const chunk = queue.shift();
      if (chunk) {
        queued -= chunk.length;
        if (queued < HIGH_WATER_BYTES / 2 && stream.isPaused()) stream.resume();
        yield chunk;
        continue;
      }
      if (failure !== undefined) throw failure;
      if (ended) return;
      if (stream.isPaused()) stream.resume();
      await new Promise<void>((resolve) => {
        wake = resolve;
      });
    }
  } finally {
    if (!ended) stream.destroy();
  }
}
