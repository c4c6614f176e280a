import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { digestOf, parseDigest } from '../../../../lib/engine/digest/digest.js';
import {
  verifyBytes,
  verifyStream,
} from '../../../../lib/engine/digest/verify.js';
import {
  DigestMismatchError,
  FormatError,
  SizeMismatchError,
  UnsupportedMediaTypeError,
} from '../../../../lib/engine/errors.js';

async function* chunks(
  bytes: Uint8Array,
  size = 7
): AsyncGenerator<Uint8Array> {
  for (let at = 0; at < bytes.length; at += size)
    yield bytes.subarray(at, at + size);
}

async function drain(source: AsyncIterable<Uint8Array>): Promise<number> {
  let total = 0;
  for await (const chunk of source) total += chunk.length;
  return total;
}

const bytes = new TextEncoder().encode(
  'the quick brown fox jumps over the lazy dog'
);
const digest = `sha256:${createHash('sha256').update(bytes).digest('hex')}`;

describe('parseDigest', () => {
  it('accepts sha256 and sha512', () => {
    expect(parseDigest(digest).algorithm).toBe('sha256');
    expect(parseDigest(digestOf(bytes, 'sha512')).algorithm).toBe('sha512');
  });

  it.each([
    ['sha256:abc', FormatError],
    [`sha256:${'A'.repeat(64)}`, FormatError],
    ['nocolon', FormatError],
    [`md5:${'a'.repeat(32)}`, UnsupportedMediaTypeError],
    [`blake3:${'a'.repeat(64)}`, UnsupportedMediaTypeError],
  ])('refuses %s', (text, type) => {
    expect(() => parseDigest(text)).toThrow(type);
  });
});

describe('verifyStream', () => {
  it('passes content that matches, unchanged', async () => {
    // Act
    const total = await drain(
      verifyStream(chunks(bytes), { digest, size: bytes.length })
    );
    // Assess
    expect(total).toBe(bytes.length);
  });

  it('throws DigestMismatchError naming both digests when one byte differs', async () => {
    // Prepare
    const altered = new Uint8Array(bytes);
    altered[3] = 0;
    // Act
    const result = drain(
      verifyStream(chunks(altered), { digest, size: bytes.length })
    );
    // Assess
    await expect(result).rejects.toBeInstanceOf(DigestMismatchError);
    await expect(
      drain(verifyStream(chunks(altered), { digest }))
    ).rejects.toThrow(digest);
  });

  it('stops as soon as the stream is longer than the descriptor says', async () => {
    // Prepare
    let pulled = 0;
    async function* endless(): AsyncGenerator<Uint8Array> {
      for (;;) {
        pulled++;
        yield new Uint8Array(1024);
      }
    }
    // Act
    const result = drain(verifyStream(endless(), { digest, size: 4096 }));
    // Assess
    await expect(result).rejects.toBeInstanceOf(SizeMismatchError);
    expect(pulled).toBe(5);
  });

  it('throws SizeMismatchError when the stream is short', async () => {
    await expect(
      drain(
        verifyStream(chunks(bytes.subarray(0, 10)), {
          digest,
          size: bytes.length,
        })
      )
    ).rejects.toBeInstanceOf(SizeMismatchError);
  });

  it('verifyBytes checks size then digest', () => {
    expect(() =>
      verifyBytes(bytes, { digest, size: bytes.length })
    ).not.toThrow();
    expect(() => verifyBytes(bytes, { digest, size: 1 })).toThrow(
      SizeMismatchError
    );
    expect(() => verifyBytes(bytes.subarray(1), { digest })).toThrow(
      DigestMismatchError
    );
  });
});
