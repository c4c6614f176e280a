/**
 * Turning a top-level document into the runnable images to judge: an index
 * is walked (nested indexes too, to a depth cap), attestations and other
 * artifacts are listed as skipped, never judged (reference §2.4, §2.5).
 */
import {
  LimitExceededError,
  UnsupportedMediaTypeError,
} from '../engine/errors.js';
import type { SkippedEntry } from '../engine/findings/report.js';
import type { Descriptor } from '../engine/manifest/manifest.js';
import {
  INDEX_TYPES,
  MANIFEST_TYPES,
  SCHEMA1_TYPES,
} from '../engine/media-types.js';
import type { Registry } from '../ports/registry.js';
import { type FetchedDocument, fetchDocument } from './fetch-image.js';

/** OCI allows indexes of indexes; real ones nest once at most. */
const MAX_INDEX_DEPTH = 4;
/** Bounds the work one hostile index can ask for. */
const MAX_IMAGES = 256;

/** An image manifest to scan, with the platform its index entry declares. */
export interface ImageEntry {
  readonly descriptor: Descriptor;
}

export interface ImageList {
  readonly images: ImageEntry[];
  readonly skipped: SkippedEntry[];
}

/** True for buildx attestation entries (`unknown/unknown` + reference-type annotation). */
export function isAttestation(descriptor: Descriptor): boolean {
  return (
    descriptor.annotations?.['vnd.docker.reference.type'] ===
      'attestation-manifest' ||
    (descriptor.platform?.os === 'unknown' &&
      descriptor.platform.architecture === 'unknown')
  );
}

/** Lists the image manifests under a fetched top-level document. */
export async function listImages(
  registry: Registry,
  repository: string,
  top: FetchedDocument,
  signal?: AbortSignal
): Promise<ImageList> {
  const list: ImageList = { images: [], skipped: [] };
  if (top.document.kind === 'manifest') {
    list.images.push({
      descriptor: {
        mediaType: top.mediaType,
        digest: top.digest,
        size: top.size,
      },
    });
    return list;
  }
  await walk(registry, repository, top.document.manifests, list, 1, signal);
  return list;
}

async function walk(
  registry: Registry,
  repository: string,
  manifests: Descriptor[],
  list: ImageList,
  depth: number,
  signal?: AbortSignal
): Promise<void> {
  for (const descriptor of manifests) {
    const skip = (reason: string) =>
      list.skipped.push({
        digest: descriptor.digest,
        mediaType: descriptor.mediaType,
        reason,
      });
    if (isAttestation(descriptor)) {
      skip('attestation manifest');
    } else if (descriptor.artifactType) {
      skip(`artifact of type ${descriptor.artifactType}`);
    } else if (INDEX_TYPES.has(descriptor.mediaType)) {
      if (depth >= MAX_INDEX_DEPTH) {
        throw new LimitExceededError(
          'index-depth',
          `indexes nest deeper than ${MAX_INDEX_DEPTH} levels`
        );
      }
      const nested = await fetchDocument(
        registry,
        repository,
        descriptor.digest,
        signal,
        descriptor
      );
      if (nested.document.kind === 'index') {
        await walk(
          registry,
          repository,
          nested.document.manifests,
          list,
          depth + 1,
          signal
        );
      }
    } else if (MANIFEST_TYPES.has(descriptor.mediaType)) {
      if (list.images.length >= MAX_IMAGES) {
        throw new LimitExceededError(
          'index-images',
          `the index lists more than ${MAX_IMAGES} images`
        );
      }
      list.images.push({ descriptor });
    } else if (SCHEMA1_TYPES.has(descriptor.mediaType)) {
      throw new UnsupportedMediaTypeError(
        descriptor.mediaType,
        `index entry ${descriptor.digest} is a docker schema 1 manifest, which is not supported: re-push the image with a current docker or buildx`
      );
    } else {
      skip(`not an image manifest (${descriptor.mediaType})`);
    }
  }
}
