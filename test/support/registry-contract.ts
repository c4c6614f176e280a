/**
 * The contract every `Registry` implementation keeps, as one shared suite
 * (in the manner of go-containerregistry's `validate` package): manifests
 * by reference and by digest, blobs streamed back byte-identical and in
 * chunks, unknown digests reported as `not-found`, malformed digests
 * refused. Run it from a test file with a setup that seeds the source with
 * an image built from {@link contractSpec}.
 */
import { createHash, randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ScannerError } from '../../lib/engine/errors.js';
import type { Descriptor } from '../../lib/engine/manifest/manifest.js';
import type { Registry } from '../../lib/ports/registry.js';
import type { LayoutSpec } from './oci-image.js';

/** What a setup hands the contract. */
export interface ContractSubject {
  registry: Registry;
  repository: string;
  /** The reference (tag, or `''` for a local source's only image) of the seeded image. */
  reference: string;
  expected: {
    /** Digest of the document `getManifest(repository, reference)` returns. */
    topDigest: string;
    /** Every blob the source must serve, by digest; one over 3 MiB. */
    blobs: ReadonlyMap<string, Uint8Array>;
  };
  /** Removes whatever the setup made. */
  cleanup?: () => Promise<void>;
}

/** Size of the random layer that must arrive in several chunks. */
export const LARGE_LAYER_BYTES = 4 * 1024 * 1024;

/**
 * An image with a small layer and a {@link LARGE_LAYER_BYTES} random one,
 * for contract setups. Random content keeps the compressed blob large too.
 */
export function contractSpec(): LayoutSpec {
  return {
    images: [
      {
        platform: { os: 'linux', architecture: 'arm64' },
        entrypoint: ['/app'],
        layers: [
          { files: [{ path: 'etc/hostname', content: 'contract\n' }] },
          {
            files: [{ path: 'app', content: randomBytes(LARGE_LAYER_BYTES) }],
          },
        ],
      },
    ],
  };
}

const HEX = 'a'.repeat(64);

/** Digest strings no source may turn into a path or a request. */
export const HOSTILE_DIGESTS = [
  'sha256:../../etc/passwd',
  'sha256:../../../../../../etc/passwd',
  `sha256:${'A'.repeat(64)}`,
  `sha256:${HEX.slice(0, 63)}`,
  `sha256:${HEX}0`,
  `sha256:${HEX.slice(0, 60)}/../`,
  `sha512:${HEX}`,
  `md5:${HEX.slice(0, 32)}`,
  '../blobs/sha256',
  '',
];

/** Registers the contract tests for the source `setup` builds. */
export function describeRegistryContract(
  name: string,
  setup: () => Promise<ContractSubject>
): void {
  describe(`Registry contract: ${name}`, () => {
    let subject: ContractSubject;
    beforeAll(async () => {
      subject = await setup();
    });
    afterAll(async () => {
      await subject?.cleanup?.();
    });

    it('returns the top document for the reference', async () => {
      // Act
      const { registry, repository, reference, expected } = subject;
      const response = await registry.getManifest(repository, reference);
      // Assess
      expect(sha256(response.bytes)).toBe(expected.topDigest);
      if (response.digest !== undefined) {
        expect(response.digest).toBe(expected.topDigest);
      }
    });

    it('returns the same document by digest', async () => {
      // Act
      const { registry, repository, expected } = subject;
      const response = await registry.getManifest(
        repository,
        expected.topDigest
      );
      // Assess
      expect(sha256(response.bytes)).toBe(expected.topDigest);
    });

    it('streams every blob back byte-identical', async () => {
      // Prepare
      const { registry, repository, expected } = subject;
      expect(expected.blobs.size).toBeGreaterThan(0);
      for (const [digest, bytes] of expected.blobs) {
        // Act
        const got = await collect(
          registry.getBlob(repository, descriptor(digest, bytes.length))
        );
        // Assess
        expect(got.size).toBe(bytes.length);
        expect(got.digest).toBe(digest);
      }
    });

    it('streams a large blob in more than one chunk', async () => {
      // Prepare
      const { registry, repository, expected } = subject;
      const large = [...expected.blobs].find(
        ([, bytes]) => bytes.length > 3 * 1024 * 1024
      );
      expect(large, 'the setup must seed a blob over 3 MiB').toBeDefined();
      const [digest, bytes] = large!;
      // Act
      const got = await collect(
        registry.getBlob(repository, descriptor(digest, bytes.length))
      );
      // Assess
      expect(got.chunks).toBeGreaterThan(1);
      expect(got.digest).toBe(digest);
    });

    it('reports an unknown blob or manifest digest as not-found', async () => {
      // Prepare
      const { registry, repository } = subject;
      const unknown = sha256(randomBytes(32));
      // Act
      const blob = collect(registry.getBlob(repository, descriptor(unknown)));
      const manifest = registry.getManifest(repository, unknown);
      // Assess
      await expect(blob).rejects.toSatisfy(isCode('not-found'));
      await expect(manifest).rejects.toSatisfy(isCode('not-found'));
    });

    it.each(HOSTILE_DIGESTS)('refuses the digest %j', async (digest) => {
      // Act
      const { registry, repository } = subject;
      const chunks: Uint8Array[] = [];
      const read = (async () => {
        for await (const chunk of registry.getBlob(
          repository,
          descriptor(digest)
        )) {
          chunks.push(chunk);
        }
      })();
      // Assess
      await expect(read).rejects.toBeInstanceOf(ScannerError);
      await expect(read).rejects.not.toSatisfy(isCode('internal'));
      expect(chunks).toEqual([]);
    });

    it.each(HOSTILE_DIGESTS.filter((d) => /^[a-z0-9]+:/.test(d)))(
      'refuses the manifest digest %j',
      async (digest) => {
        // Act
        const { registry, repository } = subject;
        const fetched = registry.getManifest(repository, digest);
        // Assess
        await expect(fetched).rejects.toBeInstanceOf(ScannerError);
        await expect(fetched).rejects.not.toSatisfy(isCode('internal'));
      }
    );
  });
}

/** A descriptor for fetching a blob by digest. */
export function descriptor(digest: string, size = 0): Descriptor {
  return { mediaType: 'application/octet-stream', digest, size };
}

/** Drains a blob stream: chunk count, byte count and sha256. */
export async function collect(
  stream: AsyncIterable<Uint8Array>
): Promise<{ chunks: number; size: number; digest: string }> {
  const hash = createHash('sha256');
  let chunks = 0;
  let size = 0;
  for await (const chunk of stream) {
    chunks++;
    size += chunk.length;
    hash.update(chunk);
  }
  return { chunks, size, digest: `sha256:${hash.digest('hex')}` };
}

function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** A predicate: the error is a ScannerError with that code. */
export function isCode(code: string): (error: unknown) => boolean {
  return (error) => error instanceof ScannerError && error.code === code;
}
