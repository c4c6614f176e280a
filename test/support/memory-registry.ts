/**
 * An in-memory `Registry` fake serving images built by `oci-image.ts`, for
 * use-case tests. It can be told to corrupt a blob or cut a stream, so tests
 * can check that the scanner refuses what does not verify.
 */

import { RegistryError } from '../../lib/engine/errors.js';
import type { Descriptor } from '../../lib/engine/manifest/manifest.js';
import type {
  BlobOptions,
  ManifestResponse,
  Registry,
} from '../../lib/ports/registry.js';
import type { Blob } from './oci-image.js';

export interface MemoryRegistryOptions {
  /** Bytes per yielded chunk (default 64 KiB), to exercise chunk boundaries. */
  chunkSize?: number;
}

export class MemoryRegistry implements Registry {
  readonly name = 'memory';
  readonly blobs = new Map<string, Blob>();
  readonly tags = new Map<string, string>();
  /** Digests whose content is served altered (one byte flipped). */
  readonly corrupt = new Set<string>();
  /** Number of getBlob calls per digest. */
  readonly blobRequests = new Map<string, number>();

  constructor(private readonly options: MemoryRegistryOptions = {}) {}

  /** Adds an image under a tag. */
  add(image: { top: Blob; blobs: Map<string, Blob> }, tag: string): this {
    for (const blob of image.blobs.values()) this.blobs.set(blob.digest, blob);
    this.tags.set(tag, image.top.digest);
    return this;
  }

  async getManifest(
    _repository: string,
    reference: string
  ): Promise<ManifestResponse> {
    const digest = reference.includes(':')
      ? reference
      : this.tags.get(reference);
    const blob = digest ? this.blobs.get(digest) : undefined;
    if (!blob) {
      throw new RegistryError(`manifest ${reference} not found`, {
        status: 404,
        diagnostics: ['MANIFEST_UNKNOWN'],
      });
    }
    return {
      bytes: this.serve(blob),
      mediaType: blob.mediaType,
      digest: blob.digest,
    };
  }

  async *getBlob(
    _repository: string,
    descriptor: Descriptor,
    options: BlobOptions = {}
  ): AsyncGenerator<Uint8Array> {
    this.blobRequests.set(
      descriptor.digest,
      (this.blobRequests.get(descriptor.digest) ?? 0) + 1
    );
    const blob = this.blobs.get(descriptor.digest);
    if (!blob) {
      throw new RegistryError(`blob ${descriptor.digest} not found`, {
        status: 404,
        diagnostics: ['BLOB_UNKNOWN'],
      });
    }
    const bytes = this.serve(blob);
    const size = this.options.chunkSize ?? 64 * 1024;
    for (let at = 0; at < bytes.length; at += size) {
      options.onProgress?.(Math.min(at + size, bytes.length));
      yield bytes.subarray(at, at + size);
    }
  }

  private serve(blob: Blob): Uint8Array {
    if (!this.corrupt.has(blob.digest)) return blob.bytes;
    const copy = new Uint8Array(blob.bytes);
    const last = copy.length - 1;
    copy[last] = (copy[last] ?? 0) ^ 0xff;
    return copy;
  }
}
