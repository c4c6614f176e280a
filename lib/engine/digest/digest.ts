/**
 * Content digests (`algorithm:encoded`), OCI image-spec `descriptor.md`
 * §Digests. sha256 and sha512 are verified; any other algorithm is refused
 * rather than skipped, so nothing is ever trusted unchecked.
 */
import { createHash, type Hash } from 'node:crypto';
import { FormatError, UnsupportedMediaTypeError } from '../errors.js';

/** Algorithms archscan can verify, with the hex length of their digests. */
const ALGORITHMS = { sha256: 64, sha512: 128 } as const;

export type DigestAlgorithm = keyof typeof ALGORITHMS;

/** A parsed, validated digest. */
export interface Digest {
  readonly algorithm: DigestAlgorithm;
  readonly hex: string;
  /** The canonical `algorithm:hex` form. */
  readonly value: string;
}

const DIGEST_GRAMMAR = /^([a-z0-9]+(?:[+._-][a-z0-9]+)*):([a-zA-Z0-9=_-]+)$/;

/**
 * Parses and validates a digest string.
 *
 * @example parseDigest('sha256:44136f…') // { algorithm: 'sha256', hex: '44136f…' }
 * @throws FormatError when the string is not a digest, UnsupportedMediaTypeError
 *   (code `unsupported-media-type`) when the algorithm cannot be verified.
 */
export function parseDigest(text: string): Digest {
  const match = DIGEST_GRAMMAR.exec(text);
  if (!match) {
    throw new FormatError(`invalid digest ${JSON.stringify(clip(text))}`);
  }
  const algorithm = match[1] as string;
  const hex = match[2] as string;
  if (!(algorithm in ALGORITHMS)) {
    throw new UnsupportedMediaTypeError(
      algorithm,
      `unsupported digest algorithm ${JSON.stringify(algorithm)}: archscan verifies sha256 and sha512`
    );
  }
  const length = ALGORITHMS[algorithm as DigestAlgorithm];
  if (hex.length !== length || !/^[0-9a-f]+$/.test(hex)) {
    throw new FormatError(
      `invalid ${algorithm} digest ${JSON.stringify(clip(text))}: expected ${length} lowercase hex characters`
    );
  }
  return { algorithm: algorithm as DigestAlgorithm, hex, value: text };
}

/** True when `text` is a well-formed, verifiable digest. */
export function isDigest(text: string): boolean {
  try {
    parseDigest(text);
    return true;
  } catch {
    return false;
  }
}

/** Starts an incremental hash for the digest's algorithm. */
export function createDigester(algorithm: DigestAlgorithm): Hash {
  return createHash(algorithm);
}

/** The digest of a complete byte array, in `algorithm:hex` form. */
export function digestOf(
  bytes: Uint8Array,
  algorithm: DigestAlgorithm = 'sha256'
): string {
  return `${algorithm}:${createHash(algorithm).update(bytes).digest('hex')}`;
}

function clip(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}
