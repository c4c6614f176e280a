/**
 * A seekable index of an uncompressed tar file, for the archive image
 * sources (`oci-archive:`, `docker-archive:`). Opening walks the 512-byte
 * headers once, seeking over member content, and records where each
 * member's data starts and how long it is; members are then served by
 * reading that range of the file. Nothing is extracted and the archive is
 * never held in memory, so a multi-gigabyte `docker save` opens in the time
 * it takes to read a few hundred headers.
 *
 * Format: POSIX `pax` interchange format (ustar headers, `x`/`g` extended
 * headers) and GNU long names (`L`/`K`), decoded with node-tar's `Header`
 * and `Pax`. See reference/oci-and-registries.md §5 "Tar basics".
 */
import { open } from 'node:fs/promises';
import { posix } from 'node:path';
import { Header, type HeaderData, Pax } from 'tar';
import { ConfigError, FormatError } from '../../engine/errors.js';
import type { BlobOptions } from '../../ports/registry.js';
import { type FileRange, readRange, streamRange } from './file-range.js';
import type { LayoutFiles } from './layout-reader.js';

const BLOCK = 512;
/**
 * Pax and GNU long-name bodies larger than this are refused: real ones are a
 * few hundred bytes (node-tar caps them with `maxMetaEntrySize`, 1 MiB).
 */
const MAX_META_BYTES = 1024 * 1024;
/** Link hops followed when resolving a member; `docker save` links once. */
const MAX_LINK_HOPS = 8;

/** Compressed formats recognised by their magic, so the user gets a fix. */
const COMPRESSED = [
  { magic: [0x1f, 0x8b], format: 'gzip', command: 'gunzip -k' },
  { magic: [0x28, 0xb5, 0x2f, 0xfd], format: 'zstd', command: 'zstd -d' },
  { magic: [0xfd, 0x37, 0x7a, 0x58, 0x5a], format: 'xz', command: 'unxz -k' },
  { magic: [0x42, 0x5a, 0x68], format: 'bzip2', command: 'bunzip2 -k' },
] as const;

/** One archive member: a regular file's data range, or a link. */
export interface TarMember extends FileRange {
  readonly name: string;
  /** For hard and symbolic links: the archive path the link resolves to. */
  readonly target?: string;
}

/** The members of one tar file, by normalized name. */
export class TarIndex {
  private constructor(
    readonly path: string,
    private readonly members: ReadonlyMap<string, TarMember>
  ) {}

  /**
   * Reads every header of the tar file at `path`.
   *
   * @example const tar = await TarIndex.open('image.tar'); tar.find('index.json');
   * @throws ConfigError when the file is missing, a directory or compressed;
   *   FormatError when it is not a tar or is truncated.
   */
  static async open(path: string): Promise<TarIndex> {
    const handle = await open(path, 'r').catch((error: unknown) => {
      throw openError(path, error);
    });
    try {
      const stat = await handle.stat();
      if (stat.isDirectory()) throw openError(path, { code: 'EISDIR' });
      const read = async (position: number, length: number) => {
        const buffer = Buffer.alloc(length);
        const { bytesRead } = await handle.read(buffer, 0, length, position);
        return buffer.subarray(0, bytesRead);
      };
      return new TarIndex(path, await readMembers(path, stat.size, read));
    } finally {
      await handle.close();
    }
  }

  /** Names of all file and link members, in archive order. */
  names(): string[] {
    return [...this.members.keys()];
  }

  /**
   * Finds a regular-file member by archive path (`./` and leading `/`
   * ignored), following hard and symbolic links within the archive.
   */
  find(name: string): TarMember | undefined {
    let member = this.members.get(normalize(name));
    for (let hop = 0; member?.target !== undefined; hop++) {
      if (hop === MAX_LINK_HOPS) return undefined;
      member = this.members.get(member.target);
    }
    return member;
  }
}

/** The members of an indexed tar, as the files of an OCI layout. */
export function tarFiles(tar: TarIndex): LayoutFiles {
  return {
    find(path: string) {
      const member = tar.find(path);
      return Promise.resolve(
        member && {
          size: member.size,
          read: () => readRange(member),
          stream: (options?: BlobOptions) => streamRange(member, options),
        }
      );
    },
  };
}

type ReadAt = (position: number, length: number) => Promise<Buffer>;

/** Walks the headers; returns file and link members keyed by name. */
async function readMembers(
  path: string,
  fileSize: number,
  read: ReadAt
): Promise<Map<string, TarMember>> {
  const members = new Map<string, TarMember>();
  let ex: HeaderData | undefined;
  let gex: HeaderData | undefined;
  let position = 0;
  for (;;) {
    if (position === 0 && fileSize === 0) {
      throw new FormatError(
        `${path} is empty: give a tar written by docker save, docker buildx or skopeo`
      );
    }
    const block = await read(position, BLOCK);
    if (position === 0) refuseCompressed(path, block);
    // Writers end an archive with zero blocks; their absence means a cut file.
    if (block.length < BLOCK) throw truncated(path, position + BLOCK, fileSize);
    if (block.every((byte) => byte === 0)) return members;
    const header = new Header(block, 0, ex, gex);
    if (!header.cksumValid || header.size === undefined) {
      throw new FormatError(
        `${path} is not a tar archive (bad header checksum); give an uncompressed tar written by docker save, docker buildx or skopeo`,
        position
      );
    }
    const start = position + BLOCK;
    const size = header.size;
    if (start + size > fileSize) throw truncated(path, start + size, fileSize);
    position = start + Math.ceil(size / BLOCK) * BLOCK;
    const type = header.type;
    if (type === 'ExtendedHeader' || type === 'GlobalExtendedHeader') {
      const body = await readMeta(path, read, start, size);
      if (type === 'GlobalExtendedHeader') gex = Pax.parse(body, gex, true);
      else ex = Pax.parse(body, ex, false);
      continue;
    }
    if (type === 'NextFileHasLongPath' || type === 'OldGnuLongPath') {
      const body = await readMeta(path, read, start, size);
      ex = { ...ex, path: body.replace(/\0.*$/s, '') };
      continue;
    }
    if (type === 'NextFileHasLongLinkpath') {
      const body = await readMeta(path, read, start, size);
      ex = { ...ex, linkpath: body.replace(/\0.*$/s, '') };
      continue;
    }
    const name = normalize(ex?.path ?? header.path ?? '');
    const link = ex?.linkpath ?? header.linkpath ?? '';
    ex = undefined;
    if (type === 'File' || type === 'OldFile' || type === 'ContiguousFile') {
      members.set(name, { name, path, start, size });
    } else if (type === 'Link') {
      members.set(name, {
        name,
        path,
        start,
        size: 0,
        target: normalize(link),
      });
    } else if (type === 'SymbolicLink') {
      const target = link.startsWith('/')
        ? normalize(link)
        : normalize(posix.join(posix.dirname(name), link));
      members.set(name, { name, path, start, size: 0, target });
    }
  }
}

async function readMeta(
  path: string,
  read: ReadAt,
  start: number,
  size: number
): Promise<string> {
  if (size > MAX_META_BYTES) {
    throw new FormatError(
      `${path} has a ${size}-byte extended header, over the ${MAX_META_BYTES}-byte limit`,
      start
    );
  }
  return (await read(start, size)).toString('utf8');
}

function refuseCompressed(path: string, block: Buffer): void {
  for (const { magic, format, command } of COMPRESSED) {
    if (magic.every((byte, i) => block[i] === byte)) {
      throw new ConfigError(
        `${path} is ${format}-compressed; archscan reads uncompressed tar archives so it can seek to each blob: decompress it first (${command} ${path}) and pass the .tar`
      );
    }
  }
}

function truncated(path: string, needed: number, size: number): FormatError {
  return new FormatError(
    `${path} is truncated: reading it needs ${needed} bytes but the file has ${size}; write the archive again (docker save, skopeo copy)`
  );
}

function openError(path: string, error: unknown): ConfigError {
  const code = (error as { code?: string }).code;
  const why =
    code === 'ENOENT'
      ? 'does not exist'
      : code === 'EISDIR'
        ? 'is a directory; use oci:DIR for an OCI layout directory'
        : `cannot be read (${code ?? String(error)})`;
  return new ConfigError(`archive ${path} ${why}`, { cause: error });
}

/** `./a//b/` → `a/b`: the form names are stored and looked up in. */
export function normalize(name: string): string {
  const clean = posix.normalize(`/${name}`).replace(/^\/+|\/+$/g, '');
  return clean === '.' ? '' : clean;
}
