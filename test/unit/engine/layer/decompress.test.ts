import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import {
  FormatError,
  LimitExceededError,
} from '../../../../lib/engine/errors.js';
import {
  checkZstdWindow,
  decompress,
  sniffCompression,
} from '../../../../lib/engine/layer/decompress.js';
import { compress } from '../../../support/oci-image.js';

async function* chunks(
  bytes: Uint8Array,
  size = 1000
): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size)
    yield bytes.subarray(at, at + size);
}

async function collect(source: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Uint8Array[] = [];
  for await (const chunk of source) parts.push(chunk);
  return Buffer.concat(parts);
}

const text = Buffer.from('archscan '.repeat(50_000));

describe('sniffCompression', () => {
  it('tells gzip, zstd and plain from magic bytes', () => {
    expect(sniffCompression(compress(text, 'gzip'))).toBe('gzip');
    expect(sniffCompression(compress(text, 'zstd'))).toBe('zstd');
    expect(sniffCompression(text)).toBe('none');
  });
});

describe('decompress', () => {
  it.each(['gzip', 'zstd', 'none'] as const)(
    'round-trips %s whatever the media type says',
    async (method) => {
      // Prepare
      const packed = compress(text, method);
      let seen = '';
      // Act
      const out = await collect(
        decompress(chunks(packed), 1e9, (c) => {
          seen = c;
        })
      );
      // Assess
      expect(seen).toBe(method);
      expect(out.equals(text)).toBe(true);
    }
  );

  it('stops a gzip bomb at the byte limit', async () => {
    // Prepare: 64 MiB of zeros compress to ~64 KiB
    const bomb = gzipSync(Buffer.alloc(64 * 1024 * 1024));
    // Act
    const result = collect(decompress(chunks(bomb, 65536), 8 * 1024 * 1024));
    // Assess
    await expect(result).rejects.toBeInstanceOf(LimitExceededError);
    await expect(
      collect(decompress(chunks(bomb, 65536), 8 * 1024 * 1024))
    ).rejects.toThrow(/decompression bomb/);
  });

  it('reports a truncated gzip stream as a FormatError', async () => {
    const packed = compress(text, 'gzip');
    await expect(
      collect(decompress(chunks(packed.subarray(0, packed.length - 20)), 1e9))
    ).rejects.toBeInstanceOf(FormatError);
  });

  it('reports a corrupt zstd stream as a FormatError', async () => {
    // Prepare
    const packed = new Uint8Array(compress(text, 'zstd'));
    packed.fill(0xee, 20, 60);
    // Act + Assess
    await expect(
      collect(decompress(chunks(packed), 1e9))
    ).rejects.toBeInstanceOf(FormatError);
  });
});

describe('checkZstdWindow', () => {
  it('refuses a frame header asking for a window over 128 MiB', () => {
    // Prepare: frame magic, descriptor without single-segment, window log 31
    const header = Uint8Array.from([
      0x28,
      0xb5,
      0x2f,
      0xfd,
      0x00,
      (31 - 10) << 3,
    ]);
    // Act + Assess
    expect(() => checkZstdWindow(header)).toThrow(LimitExceededError);
  });

  it('accepts the windows real encoders write', () => {
    expect(() => checkZstdWindow(compress(text, 'zstd'))).not.toThrow();
  });
});
