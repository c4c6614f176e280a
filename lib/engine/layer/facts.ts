/**
 * Layer facts: everything the verdict needs to know about one layer, derived
 * from its tar stream alone. Facts are independent of other layers (hard
 * links and symlinks keep their raw targets, resolved later against the whole
 * image), so they can be computed in parallel and cached by layer digest.
 */
import type { ProbeResult } from '../binary/types.js';

/** Tar entry types that matter to the final filesystem. */
export type EntryType = 'file' | 'dir' | 'symlink' | 'hardlink' | 'other';

/** One entry of a layer, after path normalization. */
export interface LayerEntry {
  /** Absolute, normalized path inside the image (`/usr/bin/node`). */
  readonly path: string;
  readonly type: EntryType;
  /** Permission bits (`0o755`). */
  readonly mode: number;
  /** Size in bytes (regular files). */
  readonly size: number;
  /** Symlink target as written, or the normalized absolute path of a hard link's target. */
  readonly link?: string;
  /** What the file is, for regular files that are binaries, scripts or neutral formats. */
  readonly probe?: ProbeResult;
}

/** The facts of one layer. */
export interface LayerFacts {
  /** Compressed digest of the layer blob. */
  readonly digest: string;
  /** Entries in tar order, whiteout markers excluded. */
  readonly entries: LayerEntry[];
  /** Paths deleted from lower layers by `.wh.<name>` markers. */
  readonly whiteouts: string[];
  /** Directories whose lower-layer children are hidden by `.wh..wh..opq`. */
  readonly opaqueDirs: string[];
  /** Recoverable oddities (e.g. an entry escaping the root, a duplicate path). */
  readonly warnings: string[];
  /** Uncompressed tar bytes read. */
  readonly bytesInflated: number;
}
