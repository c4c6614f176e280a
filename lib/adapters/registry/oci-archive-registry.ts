/**
 * `OciArchiveRegistry`: the `Registry` port over an OCI image layout packed
 * in an uncompressed tar (`oci-archive:FILE[:TAG]`), as
 * `docker buildx build --output type=oci,dest=image.tar` and
 * `skopeo copy … oci-archive:FILE` write it (image-spec `image-layout.md`
 * inside a POSIX tar). The archive is indexed once by {@link TarIndex};
 * `index.json` and blobs are then read as byte ranges of the file, never
 * extracted.
 */
import { LayoutReader } from './layout-reader.js';
import { LayoutRegistry } from './layout-registry.js';
import { TarIndex, tarFiles } from './tar-index.js';

/** An OCI layout in a tar file, served as a registry. */
export class OciArchiveRegistry extends LayoutRegistry {
  /**
   * Indexes the archive at `file` and reads its `index.json`.
   *
   * @example
   * const registry = await OciArchiveRegistry.open('image.tar');
   * const top = await registry.getManifest('', '');
   * @throws ConfigError when the file is missing, compressed or holds no
   *   layout; FormatError when it is not a tar or is truncated.
   */
  static async open(file: string): Promise<OciArchiveRegistry> {
    const name = `oci-archive:${file}`;
    const tar = await TarIndex.open(file);
    const layout = await LayoutReader.open(
      tarFiles(tar),
      name,
      `for docker save output use docker-archive:${file}; to write an OCI archive use "docker buildx build --output type=oci,dest=image.tar ." or "skopeo copy docker://IMAGE oci-archive:image.tar"`
    );
    return new OciArchiveRegistry(name, layout);
  }
}
