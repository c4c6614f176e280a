/**
 * Incremental size-and-digest verification, for streams whose consumer may
 * stop early: the owner keeps feeding bytes (or drains the rest) and asks
 * for the verdict at the end, so a corrupt blob is always reported as a
 * digest mismatch rather than as whatever broke downstream.
 */
import type { Hash } from 'node:crypto';
import { DigestMismatchError, SizeMismatchError } from '../errors.js';
import { createDigester, parseDigest } from './digest.js';
import type { VerifyTarget } from './verify.js';

export class StreamVerifier {
  private readonly hash: Hash;
  private count = 0;

  constructor(private readonly target: VerifyTarget) {
    this.hash = createDigester(parseDigest(target.digest).algorithm);
  }

  /** Adds a chunk; throws as soon as the stream is longer than expected. */
  update(chunk: Uint8Array): void {
    this.count += chunk.length;
    if (this.target.size !== undefined && this.count > this.target.size) {
      throw new SizeMismatchError(
        this.target.digest,
        this.target.size,
        this.count
      );
    }
    this.hash.update(chunk);
  }

  /** Throws when the bytes seen are not what the target names. */
  finish(): void {
    const { digest, size } = this.target;
    if (size !== undefined && this.count !== size) {
      throw new SizeMismatchError(digest, size, this.count);
    }
    const actual = `${parseDigest(digest).algorithm}:${this.hash.digest('hex')}`;
    if (actual !== digest) throw new DigestMismatchError(digest, actual);
  }
}
