/**
 * Fetching and verifying an image's documents through the `Registry` port:
 * manifests checked against the digest that named them (or the registry's
 * `Docker-Content-Digest` when fetched by tag), configs against their
 * descriptors, each with a size cap. Every source gets the same checks.
 */
import { digestOf, isDigest, parseDigest } from '../engine/digest/digest.js';
import { verifyBytes, verifyStream } from '../engine/digest/verify.js';
import { DigestMismatchError, LimitExceededError } from '../engine/errors.js';
import {
  type Descriptor,
  type Document,
  type ImageConfig,
  MAX_CONFIG_BYTES,
  parseConfig,
  parseDocument,
} from '../engine/manifest/manifest.js';
import type { Registry } from '../ports/registry.js';

export interface FetchedDocument {
  readonly digest: string;
  readonly mediaType: string;
  readonly document: Document;
  readonly size: number;
}

/** Fetches a manifest by tag or digest and verifies what came back. */
export async function fetchDocument(
  registry: Registry,
  repository: string,
  reference: string,
  signal?: AbortSignal,
  descriptor?: Descriptor
): Promise<FetchedDocument> {
  const response = await registry.getManifest(
    repository,
    reference,
    signal ? { signal } : {}
  );
  const bytes = response.bytes;
  let digest: string;
  if (isDigest(reference)) {
    verifyBytes(bytes, {
      digest: reference,
      ...(descriptor ? { size: descriptor.size } : {}),
    });
    digest = reference;
  } else {
    const claimed =
      response.digest && isDigest(response.digest)
        ? response.digest
        : undefined;
    digest = digestOf(
      bytes,
      claimed ? parseDigest(claimed).algorithm : 'sha256'
    );
    if (claimed && claimed !== digest)
      throw new DigestMismatchError(claimed, digest);
  }
  const document = parseDocument(
    bytes,
    response.mediaType || descriptor?.mediaType
  );
  return {
    digest,
    mediaType: document.mediaType,
    document,
    size: bytes.length,
  };
}

/** Fetches and parses an image config blob, verified and size-capped. */
export async function fetchConfig(
  registry: Registry,
  repository: string,
  descriptor: Descriptor,
  signal?: AbortSignal
): Promise<ImageConfig> {
  if (descriptor.size > MAX_CONFIG_BYTES) {
    throw new LimitExceededError(
      'config-bytes',
      `image config ${descriptor.digest} is ${descriptor.size} bytes, over the ${MAX_CONFIG_BYTES}-byte limit`
    );
  }
  const chunks: Uint8Array[] = [];
  const blob = registry.getBlob(
    repository,
    descriptor,
    signal ? { signal } : {}
  );
  for await (const chunk of verifyStream(blob, {
    digest: descriptor.digest,
    size: descriptor.size,
  })) {
    chunks.push(chunk);
  }
  return parseConfig(Buffer.concat(chunks));
}
