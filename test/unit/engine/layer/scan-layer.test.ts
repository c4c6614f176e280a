import { describe, expect, it } from 'vitest';
import {
  EgressRefusedError,
  RegistryError,
  SizeMismatchError,
} from '../../../../lib/engine/errors.js';
import { scanLayer } from '../../../../lib/engine/layer/scan-layer.js';
import { compress, makeTar, sha256 } from '../../../support/oci-image.js';

async function layerBytes(): Promise<Uint8Array> {
  const tar = await makeTar([
    { path: 'app/data', content: new Uint8Array(64 * 1024).fill(7) },
  ]);
  return compress(tar, 'gzip');
}

/** Yields `bytes` in `parts` chunks, then throws `error` instead of ending. */
async function* failingAfter(
  bytes: Uint8Array,
  parts: number,
  error: Error
): AsyncGenerator<Uint8Array> {
  const size = Math.ceil(bytes.length / 2 / parts);
  for (let i = 0; i < parts; i++)
    yield bytes.subarray(i * size, (i + 1) * size);
  throw error;
}

describe('scanLayer when the blob source fails', () => {
  it.each([
    ['before the first byte', 0],
    ['half way through', 2],
  ])('keeps the source error %s', async (_when, parts) => {
    // Prepare
    const bytes = await layerBytes();
    const descriptor = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256(bytes),
      size: bytes.length,
    };
    const refused = new EgressRefusedError(
      'refusing to connect to 169.254.169.254:80'
    );

    // Act
    const outcome = scanLayer(failingAfter(bytes, parts, refused), descriptor);

    // Assess
    await expect(outcome).rejects.toBe(refused);
  });

  it('still reports a short blob that ends cleanly as a size mismatch', async () => {
    // Prepare
    const bytes = await layerBytes();
    const descriptor = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256(bytes),
      size: bytes.length,
    };
    async function* short(): AsyncGenerator<Uint8Array> {
      yield bytes.subarray(0, bytes.length - 10);
    }

    // Act
    const outcome = scanLayer(short(), descriptor);

    // Assess
    await expect(outcome).rejects.toBeInstanceOf(SizeMismatchError);
  });

  it('keeps a registry error raised mid-stream', async () => {
    // Prepare
    const bytes = await layerBytes();
    const descriptor = {
      mediaType: 'application/vnd.oci.image.layer.v1.tar+gzip',
      digest: sha256(bytes),
      size: bytes.length,
    };
    const cut = new RegistryError('connection to r failed (ECONNRESET)', {
      retryable: true,
    });

    // Act
    const outcome = scanLayer(failingAfter(bytes, 1, cut), descriptor);

    // Assess
    await expect(outcome).rejects.toBe(cut);
  });
});
