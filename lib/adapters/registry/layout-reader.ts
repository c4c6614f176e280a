/**
 * Reading an OCI image layout (image-spec `image-layout.md`): the
 * `oci-layout` marker, `index.json` naming the images, and content under
 * `blobs/<alg>/<hex>`. The files may sit in a directory (`oci:DIR`) or in a
 * tar (`oci-archive:FILE`, `docker save` from Docker 25 on); a
 * {@link LayoutFiles} hides which.
 *
 * Every digest, whether asked for or read from `index.json`, is validated
 * before it becomes a path, so `sha256:../../etc/passwd` never reaches the
 * filesystem.
 */
import { parseDigest } from '../../engine/digest/digest.js';
import {
  ConfigError,
  FormatError,
  LimitExceededError,
  RegistryError,
} from '../../engine/errors.js';
import {
  type Descriptor,
  MAX_MANIFEST_BYTES,
  parseDocument,
} from '../../engine/manifest/manifest.js';
import { MediaType } from '../../engine/media-types.js';
import type {
  BlobOptions,
  FetchOptions,
  ManifestResponse,
} from '../../ports/registry.js';
import { type Candidate, selectImage } from './select-image.js';

/** A file found in a layout, ready to read. */
export interface LayoutFile {
  readonly size: number;
  read(): Promise<Uint8Array>;
  stream(options?: BlobOptions): AsyncIterable<Uint8Array>;
}

/** Where a layout's files live: a directory, or the members of a tar. */
export interface LayoutFiles {
  /** The file at a layout-relative path (`index.json`, `blobs/sha256/…`), if present. */
  find(path: string): Promise<LayoutFile | undefined>;
}

/** What the local registries delegate to: one image source, by reference. */
export interface ImageSource {
  getManifest(
    reference: string,
    options?: FetchOptions
  ): Promise<ManifestResponse>;
  getBlob(
    descriptor: Descriptor,
    options?: BlobOptions
  ): AsyncIterable<Uint8Array>;
}

/** The annotation image-spec `annotations.md` defines for a tag. */
export const REF_NAME = 'org.opencontainers.image.ref.name';
/** The full image name containerd and `docker save` add next to it. */
const IMAGE_NAME = 'io.containerd.image.name';

/** An OCI image layout, opened and indexed. */
export class LayoutReader implements ImageSource {
  private constructor(
    private readonly files: LayoutFiles,
    private readonly source: string,
    private readonly entries: readonly Descriptor[]
  ) {}

  /**
   * Checks the `oci-layout` marker and reads `index.json`.
   *
   * @param source the reference as the user wrote it, for messages.
   * @param howToMake appended to the "not a layout" message: how to make one.
   * @throws ConfigError when either file is missing, FormatError when
   *   `index.json` is malformed.
   */
  static async open(
    files: LayoutFiles,
    source: string,
    howToMake: string
  ): Promise<LayoutReader> {
    const marker = await files.find('oci-layout');
    const index = await files.find('index.json');
    if (!marker || !index) {
      const missing = !marker ? 'oci-layout' : 'index.json';
      throw new ConfigError(
        `${source} is not an OCI image layout (it has no ${missing}): ${howToMake}`
      );
    }
    const bytes = await readCapped(index, `${source} index.json`);
    let document: ReturnType<typeof parseDocument>;
    try {
      document = parseDocument(bytes, MediaType.ociIndex);
    } catch (error) {
      throw new FormatError(
        `${source} index.json: ${(error as Error).message}`,
        undefined,
        undefined,
        { cause: error }
      );
    }
    if (document.kind !== 'index') {
      throw new FormatError(`${source} index.json is not an image index`);
    }
    return new LayoutReader(files, source, document.manifests);
  }

  /** Fetches the image `reference` (tag, name or digest) names. */
  async getManifest(
    reference: string,
    options: FetchOptions = {}
  ): Promise<ManifestResponse> {
    options.signal?.throwIfAborted();
    if (looksLikeDigest(reference)) {
      const known = this.entries.find((e) => e.digest === reference);
      const bytes = await readCapped(await this.blob(reference), reference);
      return { bytes, mediaType: known?.mediaType ?? '', digest: reference };
    }
    const entry = selectImage(this.candidates(), reference, this.source).value;
    const bytes = await readCapped(await this.blob(entry.digest), entry.digest);
    return { bytes, mediaType: entry.mediaType, digest: entry.digest };
  }

  /** Streams the blob the descriptor names. */
  async *getBlob(
    descriptor: Descriptor,
    options: BlobOptions = {}
  ): AsyncGenerator<Uint8Array> {
    options.signal?.throwIfAborted();
    yield* (await this.blob(descriptor.digest)).stream(options);
  }

  private candidates(): Candidate<Descriptor>[] {
    return this.entries.map((entry) => ({
      names: [REF_NAME, IMAGE_NAME]
        .map((key) => entry.annotations?.[key])
        .filter((name): name is string => !!name),
      id: entry.digest,
      value: entry,
    }));
  }

  private async blob(digest: string): Promise<LayoutFile> {
    const file = await this.files.find(blobPath(digest));
    if (!file) {
      throw new RegistryError(
        `blob ${digest} is not in ${this.source}: check the digest, or write the layout again if a manifest names it`,
        { code: 'not-found' }
      );
    }
    return file;
  }
}

/**
 * `sha256:<hex>` → `blobs/sha256/<hex>`, after checking the digest is a
 * well-formed sha256/sha512 digest (lowercase hex of the exact length).
 *
 * @throws FormatError or UnsupportedMediaTypeError for anything else.
 */
export function blobPath(digest: string): string {
  const { algorithm, hex } = parseDigest(digest);
  return `blobs/${algorithm}/${hex}`;
}

/**
 * A reference is a digest when it says it is (`sha256:`, `sha512:`) or has
 * the shape of one; tags cannot contain `:`, so nothing else is ambiguous.
 */
export function looksLikeDigest(reference: string): boolean {
  return /^(?:sha256:|sha512:|[a-z0-9]+(?:[+._-][a-z0-9]+)*:[0-9a-fA-F]{32,}$)/.test(
    reference
  );
}

/** Reads a document, refusing one over the manifest size limit. */
export async function readCapped(
  file: LayoutFile,
  what: string
): Promise<Uint8Array> {
  if (file.size > MAX_MANIFEST_BYTES) {
    throw new LimitExceededError(
      'manifest-size',
      `${what} is ${file.size} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit for documents`
    );
  }
  return file.read();
}
