/**
 * The `Registry` port: where image documents and blobs come from, modelled
 * on regclient's `scheme.API`. Implementations: `HttpRegistry` (OCI
 * distribution API), `OciLayoutRegistry` and the archive sources. Adapters
 * return raw bytes; the scanner verifies digests and sizes itself, so every
 * source gets the same checks.
 */
import type { Descriptor } from '../engine/manifest/manifest.js';

/** A fetched manifest document, bytes exactly as received. */
export interface ManifestResponse {
  readonly bytes: Uint8Array;
  /** `Content-Type` as sent (may be empty for local sources). */
  readonly mediaType: string;
  /** `Docker-Content-Digest` or the source's own record, when known (not trusted). */
  readonly digest?: string;
}

export interface FetchOptions {
  readonly signal?: AbortSignal;
}

export interface BlobOptions extends FetchOptions {
  /** Called with the count of compressed bytes received so far. */
  readonly onProgress?: (bytes: number) => void;
}

/** A source of image manifests and blobs. */
export interface Registry {
  /** A short name for messages (`127.0.0.1:5000`, `oci:./layout`). */
  readonly name: string;
  /**
   * Fetches a manifest by tag or digest. For local sources an empty
   * `reference` selects the only image the source holds.
   */
  getManifest(
    repository: string,
    reference: string,
    options?: FetchOptions
  ): Promise<ManifestResponse>;
  /**
   * Streams a blob. Implementations resume or retry transient failures
   * themselves; the stream yields each byte once, in order.
   */
  getBlob(
    repository: string,
    descriptor: Descriptor,
    options?: BlobOptions
  ): AsyncIterable<Uint8Array>;
}
