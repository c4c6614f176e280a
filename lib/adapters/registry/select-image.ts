/**
 * Choosing one image from a local source that may hold several: the
 * entries of an OCI layout's `index.json` (named by the image-spec
 * annotation `org.opencontainers.image.ref.name`, and by containerd's
 * `io.containerd.image.name` in `docker save` output) or the `RepoTags` of
 * a classic `docker save` `manifest.json`. The rules are the same for
 * every source, so `oci:DIR:1.0` and `docker-archive:FILE:app:1.0` behave
 * alike.
 */
import { ConfigError, RegistryError } from '../../engine/errors.js';
import { parseRegistryReference } from '../../engine/reference/reference.js';

/** One image a source holds. */
export interface Candidate<T> {
  /** Names it answers to: `1.0`, `app:1.0`, `docker.io/library/app:1.0`. */
  readonly names: readonly string[];
  /** What identifies it when it has no name (its digest); equal ids are one image. */
  readonly id: string;
  readonly value: T;
}

/** Names shown in a message before the list is cut short. */
const MAX_LISTED = 20;

/**
 * Picks the image `reference` names. An empty reference picks the only
 * image. Otherwise the first rule that matches anything decides: a name
 * equal to the reference; a name equal to it once both are normalized
 * (`alpine:3` and `docker.io/library/alpine:3`); a name whose tag (after
 * its last `:`) is the reference.
 *
 * @example selectImage(candidates, '1.0', 'oci:./layout').value
 * @throws ConfigError when there are none, or several and the reference does
 *   not decide; RegistryError (`not-found`) when nothing has that name.
 */
export function selectImage<T>(
  candidates: readonly Candidate<T>[],
  reference: string,
  source: string
): Candidate<T> {
  if (candidates.length === 0) {
    throw new ConfigError(
      `${source} holds no images: write an image into it first`
    );
  }
  if (!reference) {
    return only(candidates, () => {
      const example = candidates.find((c) => c.names.length > 0)?.names[0];
      return new ConfigError(
        `${source} holds ${distinct(candidates).length} images (${listNames(candidates)}): name one${example ? `, e.g. ${source}:${example}` : ''}`
      );
    });
  }
  const wanted = normalized(reference);
  const rules: ((name: string) => boolean)[] = [
    (name) => name === reference,
    (name) => wanted !== undefined && normalized(name) === wanted,
    (name) => tagOf(name) === reference,
  ];
  for (const rule of rules) {
    const matches = candidates.filter((c) => c.names.some(rule));
    if (matches.length === 0) continue;
    return only(
      matches,
      () =>
        new ConfigError(
          `${JSON.stringify(reference)} names several images in ${source} (${listNames(matches)}): give the full name`
        )
    );
  }
  throw new RegistryError(
    `no image named ${JSON.stringify(reference)} in ${source}; it holds ${listNames(candidates)}`,
    { code: 'not-found' }
  );
}

/** The single distinct image of `list`, or the error `several` builds. */
function only<T>(
  list: readonly Candidate<T>[],
  several: () => Error
): Candidate<T> {
  const unique = distinct(list);
  if (unique.length > 1) throw several();
  return unique[0]!;
}

function distinct<T>(list: readonly Candidate<T>[]): Candidate<T>[] {
  const seen = new Set<string>();
  return list.filter((c) => !seen.has(c.id) && seen.add(c.id));
}

/** `1.0, app:2.0, sha256:…` for messages: names, or the id of unnamed images. */
export function listNames<T>(list: readonly Candidate<T>[]): string {
  const names = [
    ...new Set(list.flatMap((c) => (c.names.length ? c.names : [c.id]))),
  ];
  const shown = names.slice(0, MAX_LISTED).join(', ');
  return names.length > MAX_LISTED
    ? `${shown} and ${names.length - MAX_LISTED} more`
    : shown;
}

/** The tag of `repo:tag` (a `:` after the last `/`), else undefined. */
function tagOf(name: string): string | undefined {
  const colon = name.lastIndexOf(':');
  return colon > name.lastIndexOf('/') ? name.slice(colon + 1) : undefined;
}

/** `alpine:3` → `docker.io/library/alpine:3`; undefined when not a reference. */
function normalized(name: string): string | undefined {
  if (!name.includes(':') && !name.includes('/')) return undefined;
  try {
    const ref = parseRegistryReference(name);
    return `${ref.registry}/${ref.repository}:${ref.tag ?? ''}@${ref.digest ?? ''}`;
  } catch {
    return undefined;
  }
}
