/**
 * Opening the image a local reference names (`oci:DIR[:TAG]`,
 * `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`, the transports
 * skopeo names the same way) as a `Registry` plus the reference to ask it
 * for. Local sources ignore the repository argument; an empty reference
 * selects the only image.
 */
import { stat } from 'node:fs/promises';
import type { LocalReference } from '../../engine/reference/reference.js';
import type { Registry } from '../../ports/registry.js';
import { DockerArchiveRegistry } from './docker-archive-registry.js';
import { OciArchiveRegistry } from './oci-archive-registry.js';
import { OciLayoutRegistry } from './oci-layout-registry.js';

/** A local source, opened, and the reference that picks the image in it. */
export interface LocalSource {
  readonly registry: Registry;
  /** Pass as `getManifest`'s reference; `''` when the user named no tag. */
  readonly reference: string;
}

/**
 * Opens a local source.
 *
 * @example
 * const { registry, reference } = await openLocalSource(
 *   parseReference('docker-archive:app.tar:app:1.0') as LocalReference
 * );
 * const top = await registry.getManifest('', reference);
 * @throws ConfigError when the path is missing or holds no image of that
 *   kind; FormatError when an archive is malformed.
 */
export async function openLocalSource(
  ref: LocalReference
): Promise<LocalSource> {
  switch (ref.kind) {
    case 'oci':
      return {
        registry: await OciLayoutRegistry.open(ref.path),
        reference: ref.tag ?? '',
      };
    case 'oci-archive':
      return {
        registry: await OciArchiveRegistry.open(ref.path),
        reference: ref.tag ?? '',
      };
    case 'docker-archive': {
      const { path, tag } = await splitRepoTag(ref);
      return {
        registry: await DockerArchiveRegistry.open(path),
        reference: tag ?? '',
      };
    }
  }
}

/**
 * `docker-archive:app.tar:app:1.0` parses as path `app.tar:app`, tag `1.0`,
 * because a tag is what follows the last `:`. skopeo splits at the first
 * `:` of the file part instead, so a `repo:tag` reference works; do the same
 * whenever the parsed path does not exist: the file is the shortest prefix
 * ending before a `:` that exists.
 */
async function splitRepoTag(
  ref: LocalReference
): Promise<{ path: string; tag?: string }> {
  if (!ref.tag || (await exists(ref.path))) return ref;
  for (let colon = ref.path.indexOf(':'); colon > 0; ) {
    const path = ref.path.slice(0, colon);
    if (await exists(path)) {
      return { path, tag: `${ref.path.slice(colon + 1)}:${ref.tag}` };
    }
    colon = ref.path.indexOf(':', colon + 1);
  }
  return ref;
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}
