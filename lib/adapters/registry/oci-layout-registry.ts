/**
 * `OciLayoutRegistry`: the `Registry` port over an OCI image layout
 * directory (`oci:DIR[:TAG]`), as image-spec `image-layout.md` defines it
 * and as `docker buildx build --output type=oci,tar=false` and
 * `skopeo copy … oci:DIR` write it. The layout's `index.json` plays the
 * part of the tag list; the repository argument is ignored, since a layout
 * holds one repository's worth of images.
 */
import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { ConfigError } from '../../engine/errors.js';
import { readRange, streamRange } from './file-range.js';
import {
  type LayoutFile,
  type LayoutFiles,
  LayoutReader,
} from './layout-reader.js';
import { LayoutRegistry } from './layout-registry.js';

/** What to tell someone whose directory is not a layout. */
const HOW_TO_MAKE_LAYOUT =
  'write one with "docker buildx build --output type=oci,dest=DIR,tar=false ." or "skopeo copy docker://IMAGE oci:DIR"';

/** An OCI image layout directory, served as a registry. */
export class OciLayoutRegistry extends LayoutRegistry {
  /**
   * Opens the layout in `dir`, reading its `index.json`.
   *
   * @example
   * const registry = await OciLayoutRegistry.open('./build/layout');
   * const top = await registry.getManifest('', '1.0');
   * @throws ConfigError when `dir` is missing or not an OCI layout.
   */
  static async open(dir: string): Promise<OciLayoutRegistry> {
    const name = `oci:${dir}`;
    const info = await stat(dir).catch(() => undefined);
    if (!info?.isDirectory()) {
      const why = info
        ? 'is a file; use oci-archive:FILE for a tar of a layout, or docker-archive:FILE for docker save output'
        : `does not exist; ${HOW_TO_MAKE_LAYOUT}`;
      throw new ConfigError(`OCI layout directory ${dir} ${why}`);
    }
    const layout = await LayoutReader.open(
      directoryFiles(dir),
      name,
      HOW_TO_MAKE_LAYOUT
    );
    return new OciLayoutRegistry(name, layout);
  }
}

/**
 * Files of a layout directory. Paths come from {@link LayoutReader}, which
 * builds blob paths only from validated digests.
 */
function directoryFiles(dir: string): LayoutFiles {
  return {
    async find(relative: string): Promise<LayoutFile | undefined> {
      const path = join(dir, relative);
      const info = await stat(path).catch(() => undefined);
      if (!info?.isFile()) return undefined;
      const range = { path, start: 0, size: info.size };
      return {
        size: info.size,
        read: () => readRange(range),
        stream: (options) => streamRange(range, options),
      };
    },
  };
}
