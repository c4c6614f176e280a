/**
 * `LayoutRegistry`: the `Registry` port over an OCI image layout read by
 * {@link LayoutReader}, wherever its files live (a directory or a tar).
 * A layout holds images of one repository, so `repository` is ignored.
 */
import type { Descriptor } from '../../engine/manifest/manifest.js';
import type {
  BlobOptions,
  FetchOptions,
  ManifestResponse,
  Registry,
} from '../../ports/registry.js';
import type { LayoutReader } from './layout-reader.js';

/** An OCI layout served as a registry. */
export class LayoutRegistry implements Registry {
  protected constructor(
    readonly name: string,
    private readonly layout: LayoutReader
  ) {}

  /** Fetches a manifest by tag, digest, or `''` for the only image. */
  getManifest(
    _repository: string,
    reference: string,
    options?: FetchOptions
  ): Promise<ManifestResponse> {
    return this.layout.getManifest(reference, options);
  }

  /** Streams a blob in 1 MiB chunks. */
  getBlob(
    _repository: string,
    descriptor: Descriptor,
    options?: BlobOptions
  ): AsyncIterable<Uint8Array> {
    return this.layout.getBlob(descriptor, options);
  }
}
