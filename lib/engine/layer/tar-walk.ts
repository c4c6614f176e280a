/**
 * Walking a layer's tar stream once, forward only, into {@link LayerFacts}.
 * node-tar's `Parser` reads the headers (ustar, PAX and GNU long names, with
 * metadata entries capped by `maxMetaEntrySize`); this module normalizes
 * paths, records whiteouts and opaque directories (image-spec `layer.md`
 * §Whiteouts), and probes each regular file from only the head bytes the
 * probe asks for (reference/binaries.md §7). File contents are never kept.
 */
import { Parser, type ReadEntry } from 'tar';
import { headBytesWanted, probeBinary, SNIFF_BYTES } from '../binary/probe.js';
import type { ProbeResult } from '../binary/types.js';
import { FormatError, LimitExceededError } from '../errors.js';
import type { EntryType, LayerEntry } from './facts.js';
import { basename, dirname, MAX_PATH_LENGTH, normalizePath } from './paths.js';

/** Bounds for one layer. */
export interface WalkLimits {
  /** Most entries kept for one layer (memory bound for the facts). */
  maxEntries: number;
  /** PAX/GNU metadata entries larger than this are skipped (node-tar default 1 MiB). */
  maxMetaEntryBytes: number;
  /** Most warnings recorded; the rest are counted. */
  maxWarnings: number;
}

export const DEFAULT_WALK_LIMITS: WalkLimits = {
  // A large distro layer has ~100k entries; this bounds facts to ~200 MB in the worst case.
  maxEntries: 1_000_000,
  maxMetaEntryBytes: 1024 * 1024,
  maxWarnings: 50,
};

export interface WalkResult {
  entries: LayerEntry[];
  whiteouts: string[];
  opaqueDirs: string[];
  warnings: string[];
}

const WHITEOUT_PREFIX = '.wh.';
const OPAQUE_MARKER = '.wh..wh..opq';

const TYPES: Readonly<Record<string, EntryType>> = {
  File: 'file',
  OldFile: 'file',
  ContiguousFile: 'file',
  Directory: 'dir',
  GNUDumpDir: 'dir',
  SymbolicLink: 'symlink',
  Link: 'hardlink',
};

/** Collects the head of one file, asking the probe how much it needs. */
class HeadCollector {
  private readonly chunks: Uint8Array[] = [];
  private length = 0;
  private wanted: number;
  private done = false;

  constructor(private readonly size: number) {
    this.wanted = Math.min(size, SNIFF_BYTES);
  }

  add(chunk: Uint8Array): void {
    if (this.done) return;
    const take = Math.min(chunk.length, this.wanted - this.length);
    // Copy: the head outlives this chunk, whose buffer a decoder may reuse.
    this.chunks.push(chunk.slice(0, take));
    this.length += take;
    if (this.length < this.wanted) return;
    if (this.wanted <= SNIFF_BYTES && this.wanted < this.size) {
      const more = headBytesWanted(this.head(), this.size);
      if (more > this.wanted) {
        this.wanted = Math.min(more, this.size);
        if (take < chunk.length) this.add(chunk.subarray(take));
        return;
      }
    }
    this.done = true;
  }

  head(): Uint8Array {
    if (this.chunks.length === 1) return this.chunks[0] as Uint8Array;
    const head = Buffer.concat(this.chunks, this.length);
    this.chunks.length = 0;
    this.chunks.push(head);
    return head;
  }

  probe(): ProbeResult | undefined {
    if (this.length === 0) return undefined;
    const result = probeBinary(this.head(), this.size);
    return result.type === 'none' ? undefined : result;
  }
}

/**
 * Walks a decompressed tar stream and returns the layer's entries,
 * whiteouts and warnings.
 *
 * @throws FormatError when the archive is truncated or not a tar at all;
 *   LimitExceededError when it has more entries than `limits.maxEntries`.
 */
export async function walkTar(
  tar: AsyncIterable<Uint8Array>,
  limits: WalkLimits = DEFAULT_WALK_LIMITS
): Promise<WalkResult> {
  const result: WalkResult = {
    entries: [],
    whiteouts: [],
    opaqueDirs: [],
    warnings: [],
  };
  let dropped = 0;
  const warn = (message: string) => {
    if (result.warnings.length < limits.maxWarnings)
      result.warnings.push(message);
    else dropped++;
  };
  let fatal: Error | undefined;
  const parser = new Parser({
    maxMetaEntrySize: limits.maxMetaEntryBytes,
    brotli: false,
    onwarn: (code: string, message: string | Error) => {
      const text = typeof message === 'string' ? message : message.message;
      if (code === 'TAR_BAD_ARCHIVE' || /truncated/i.test(text)) {
        fatal ??= new FormatError(
          `layer is not a valid tar archive: ${text.toLowerCase()}`
        );
      } else {
        warn(`tar: ${text}`);
      }
    },
    onReadEntry: (entry: ReadEntry) => {
      if (result.entries.length >= limits.maxEntries) {
        fatal ??= new LimitExceededError(
          'layer-entries',
          `layer has more than ${limits.maxEntries} entries`
        );
        entry.resume();
        return;
      }
      readEntry(entry, result, warn);
    },
  });
  // Settles on the parser's end or error; a parser error becomes fatal at once
  // (node-tar raises it for input it cannot recover from).
  let settle: () => void = () => {};
  const ended = new Promise<void>((resolve) => {
    settle = resolve;
    parser.on('end', resolve);
    parser.on('error', (error: Error) => {
      fatal ??= new FormatError(
        `layer is not a valid tar archive: ${error.message.toLowerCase()}`,
        undefined,
        undefined,
        { cause: error }
      );
      resolve();
    });
  });
  let first = true;
  for await (const chunk of tar) {
    if (first) {
      first = false;
      refuseCompressed(chunk);
    }
    if (fatal) break;
    if (
      !parser.write(Buffer.from(chunk.buffer, chunk.byteOffset, chunk.length))
    ) {
      // Wait for room, or for the parser to fail.
      await Promise.race([
        new Promise((resolve) => parser.once('drain', resolve)),
        ended,
      ]);
    }
  }
  if (!fatal) {
    parser.end();
    await ended;
  }
  settle();
  if (fatal) throw fatal;
  if (dropped > 0)
    result.warnings.push(`${dropped} more tar warnings not shown`);
  return result;
}

/**
 * A tar stream never starts with gzip or zstd magic (its first bytes are a
 * file name). Compressed content here means a layer compressed twice; node-tar
 * would try to inflate it itself, so refuse it plainly instead.
 */
function refuseCompressed(head: Uint8Array): void {
  const gzip = head[0] === 0x1f && head[1] === 0x8b;
  const zstd =
    head[0] === 0x28 &&
    head[1] === 0xb5 &&
    head[2] === 0x2f &&
    head[3] === 0xfd;
  if (gzip || zstd) {
    throw new FormatError(
      `layer is not a valid tar archive: its content is ${gzip ? 'gzip' : 'zstd'}-compressed again after decompression`
    );
  }
}

function readEntry(
  entry: ReadEntry,
  result: WalkResult,
  warn: (m: string) => void
): void {
  const raw = entry.path;
  const path = raw.length > MAX_PATH_LENGTH ? undefined : normalizePath(raw);
  if (path === undefined || path === '/') {
    if (path === undefined) {
      warn(
        raw.length > MAX_PATH_LENGTH
          ? `skipped an entry whose path is ${raw.length} characters long (over ${MAX_PATH_LENGTH})`
          : `skipped entry ${JSON.stringify(raw.slice(0, 200))}: it escapes the root`
      );
    }
    entry.resume();
    return;
  }
  const name = basename(path);
  if (name.startsWith(WHITEOUT_PREFIX)) {
    recordWhiteout(path, name, result, warn);
    entry.resume();
    return;
  }
  const type = TYPES[entry.type] ?? 'other';
  const mode = (entry.mode ?? 0) & 0o7777;
  const size = type === 'file' ? (entry.size ?? 0) : 0;
  if (type === 'symlink' || type === 'hardlink') {
    const target = entry.linkpath ?? '';
    const link = type === 'hardlink' ? normalizePath(target) : target;
    if (link === undefined || link === '') {
      warn(
        `skipped link ${path}: its target ${JSON.stringify(target.slice(0, 200))} is not valid`
      );
      entry.resume();
      return;
    }
    result.entries.push({ path, type, mode, size: 0, link });
    entry.resume();
    return;
  }
  if (type !== 'file' || size === 0) {
    result.entries.push({ path, type, mode, size });
    entry.resume();
    return;
  }
  const collector = new HeadCollector(size);
  const record: {
    path: string;
    type: EntryType;
    mode: number;
    size: number;
    probe?: ProbeResult;
  } = { path, type, mode, size };
  result.entries.push(record);
  entry.on('data', (chunk: Buffer) => collector.add(chunk));
  entry.on('end', () => {
    const probe = collector.probe();
    if (probe) record.probe = probe;
  });
}

function recordWhiteout(
  path: string,
  name: string,
  result: WalkResult,
  warn: (m: string) => void
): void {
  const parent = dirname(path);
  if (name === OPAQUE_MARKER) {
    result.opaqueDirs.push(parent);
    return;
  }
  const hidden = name.slice(WHITEOUT_PREFIX.length);
  if (hidden === '' || hidden === '.' || hidden === '..') {
    warn(`ignored invalid whiteout ${path}`);
    return;
  }
  result.whiteouts.push(parent === '/' ? `/${hidden}` : `${parent}/${hidden}`);
}
