/**
 * Image references, in the distribution/reference grammar with Docker Hub's
 * normalization (`alpine` → `docker.io/library/alpine:latest`), and the
 * transports archscan reads besides registries, named like skopeo's:
 * `oci:DIR[:TAG]`, `oci-archive:FILE[:TAG]`, `docker-archive:FILE[:REF]`.
 * See reference/oci-and-registries.md §1.1 for the grammar.
 */

import { parseDigest } from '../digest/digest.js';
import { ConfigError } from '../errors.js';

/** The registry host Docker Hub short names normalize to. */
export const DOCKER_HUB = 'docker.io';

/** A reference to an image in a registry. */
export interface RegistryReference {
  readonly kind: 'registry';
  /** Registry host[:port], e.g. `docker.io`, `127.0.0.1:5000`. */
  readonly registry: string;
  /** Repository path, e.g. `library/alpine`. */
  readonly repository: string;
  readonly tag?: string;
  readonly digest?: string;
}

/** A reference to an image on disk (OCI layout or archive). */
export interface LocalReference {
  readonly kind: 'oci' | 'oci-archive' | 'docker-archive';
  readonly path: string;
  /** Tag (OCI `org.opencontainers.image.ref.name`) or, for docker-archive, a `RepoTags` entry. */
  readonly tag?: string;
}

export type ImageReference = RegistryReference | LocalReference;

const COMPONENT = '[a-z0-9]+(?:(?:\\.|_|__|-+)[a-z0-9]+)*';
const NAME = new RegExp(`^${COMPONENT}(?:/${COMPONENT})*$`);
const TAG = /^[a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}$/;
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;
/** Many clients cap host + `/` + name at 255 characters. */
const MAX_NAME = 255;

/**
 * Parses a registry reference such as `alpine`, `ghcr.io/o/r:1.0` or
 * `127.0.0.1:5000/app@sha256:…`.
 *
 * @throws ConfigError naming the reference and what is wrong with it.
 */
export function parseRegistryReference(text: string): RegistryReference {
  const input = text.startsWith('docker://') ? text.slice(9) : text;
  const fail = (why: string): never => {
    throw new ConfigError(
      `invalid image reference ${JSON.stringify(clip(text))}: ${why}`
    );
  };
  if (!input) fail('it is empty');
  let rest = input;
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    try {
      parseDigest(digest);
    } catch (error) {
      fail(`the digest is not valid (${(error as Error).message})`);
    }
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) {
      fail(
        `tag ${JSON.stringify(clip(tag))} must match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`
      );
    }
  }
  const { registry, repository } = splitHost(rest);
  if (!HOST.test(registry))
    fail(`registry host ${JSON.stringify(clip(registry))} is not valid`);
  if (!NAME.test(repository)) {
    fail(
      `repository ${JSON.stringify(clip(repository))} must be lowercase path components`
    );
  }
  if (registry.length + 1 + repository.length > MAX_NAME) {
    fail(`the name is longer than ${MAX_NAME} characters`);
  }
  if (!tag && !digest) tag = 'latest';
  return {
    kind: 'registry',
    registry,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
  };
}

/** Docker's rule: the first component is a host when it has `.` or `:`, or is `localhost`. */
function splitHost(name: string): { registry: string; repository: string } {
  const slash = name.indexOf('/');
  const first = slash < 0 ? '' : name.slice(0, slash);
  const isHost =
    slash >= 0 &&
    (first.includes('.') ||
      first.includes(':') ||
      first === 'localhost' ||
      first.startsWith('['));
  if (!isHost) {
    return {
      registry: DOCKER_HUB,
      repository: name.includes('/') ? name : `library/${name}`,
    };
  }
  let registry = first;
  let repository = name.slice(slash + 1);
  if (registry === 'index.docker.io' || registry === 'registry-1.docker.io') {
    registry = DOCKER_HUB;
  }
  if (registry === DOCKER_HUB && !repository.includes('/')) {
    repository = `library/${repository}`;
  }
  return { registry, repository };
}

/**
 * Parses any reference archscan accepts: a transport prefix selects a local
 * source, anything else (optionally `docker://`) is a registry reference.
 *
 * @example parseReference('oci:./build/layout:1.0') // { kind: 'oci', path: './build/layout', tag: '1.0' }
 */
export function parseReference(text: string): ImageReference {
  for (const kind of ['oci-archive', 'docker-archive', 'oci'] as const) {
    const prefix = `${kind}:`;
    if (!text.startsWith(prefix)) continue;
    const body = text.slice(prefix.length);
    if (!body) {
      throw new ConfigError(
        `invalid image reference ${JSON.stringify(text)}: ${kind}: needs a path, e.g. ${kind}:./image${kind === 'oci' ? '' : '.tar'}`
      );
    }
    return splitLocal(kind, body);
  }
  return parseRegistryReference(text);
}

/** `PATH[:REF]`, split at the first `:` as skopeo's transports do. */
function splitLocal(
  kind: LocalReference['kind'],
  body: string
): LocalReference {
  const colon = body.indexOf(':');
  if (colon > 0) {
    const tag = body.slice(colon + 1);
    const path = body.slice(0, colon);
    return tag ? { kind, path, tag } : { kind, path };
  }
  return { kind, path: body };
}

/** Formats a reference the way a person would type it. */
export function formatReference(ref: ImageReference): string {
  if (ref.kind !== 'registry') {
    return `${ref.kind}:${ref.path}${ref.tag ? `:${ref.tag}` : ''}`;
  }
  let out = `${ref.registry}/${ref.repository}`;
  if (ref.tag) out += `:${ref.tag}`;
  if (ref.digest) out += `@${ref.digest}`;
  return out;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
