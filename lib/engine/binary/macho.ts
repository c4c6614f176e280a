/**
 * Mach-O identity, thin and universal ("fat"), reference/binaries.md §3
 * (xnu `mach-o/loader.h`, `mach/machine.h`; cctools `mach-o/fat.h`).
 *
 * A thin file starts with `mach_header[_64]` in either byte order. A fat
 * file starts with a big-endian `fat_header` and a table of slices, each
 * with its own cputype; the identity reports the first slice and lists all
 * of them. The fat magic 0xcafebabe is also the Java class-file magic: the
 * word after it is `nfat_arch` for a fat file (small) and
 * `minor << 16 | major` for a class file (major ≥ 45). file(1) draws the
 * line at 20, and so does {@link classifyCafebabe}. Every Mach-O is built
 * for an Apple OS, reported as `darwin`.
 */
import { FormatError } from '../errors.js';
import { ByteReader } from './reader.js';
import type { BinaryIdentity, BinaryKind } from './types.js';

/** `CPU_ARCH_ABI64`: set in the cputype of 64-bit architectures. */
const CPU_ARCH_ABI64 = 0x01000000;
const CPU_TYPE_X86 = 7;
const CPU_TYPE_ARM = 12;
const CPU_TYPE_POWERPC = 18;
/** `CPU_SUBTYPE_MASK`: capability bits in the subtype's high byte. */
const CPU_SUBTYPE_MASK = 0xff000000;
const CPU_SUBTYPE_ARM64E = 2;

const MH_MAGIC = 0xfeedface;
const MH_MAGIC_64 = 0xfeedfacf;
const MH_CIGAM = 0xcefaedfe;
const MH_CIGAM_64 = 0xcffaedfe;
/** Universal header with 32-bit slice offsets (always big-endian). */
export const FAT_MAGIC = 0xcafebabe;
/** Universal header with 64-bit slice offsets (always big-endian). */
export const FAT_MAGIC_64 = 0xcafebabf;

const FAT_HEADER_SIZE = 8;
const FAT_ARCH_SIZE = 20;
const FAT_ARCH_64_SIZE = 32;
/** file(1)'s threshold: below it the word is `nfat_arch`, not a version. */
export const MAX_FAT_ARCHES = 20;
/** The oldest class-file major version (Java 1.1). */
const JAVA_MIN_MAJOR = 45;

/** `mach_header` filetype → kind; others (dylinker, kext, …) are `other`. */
const FILETYPE_KIND: Readonly<Record<number, BinaryKind>> = {
  1: 'object',
  2: 'executable',
  6: 'library',
  8: 'library',
};

/** ARM subtypes (machine.h) → OCI arm variant. */
const ARM_SUBTYPE_VARIANT: Readonly<Record<number, string>> = {
  6: 'v6',
  7: 'v5',
  9: 'v7',
  10: 'v7',
  11: 'v7',
  12: 'v7',
  13: 'v8',
};

/** True when the big-endian word at 0 is one of the thin Mach-O magics. */
export function isThinMachO(magic: number): boolean {
  return (
    magic === MH_MAGIC ||
    magic === MH_MAGIC_64 ||
    magic === MH_CIGAM ||
    magic === MH_CIGAM_64
  );
}

/**
 * Tells a fat binary from a Java class file by the big-endian word at
 * offset 4 of a 0xcafebabe file.
 *
 * @returns `fat`, `java`, or `none` when it is neither
 * @example classifyCafebabe(2) // 'fat'; classifyCafebabe(61) // 'java'
 */
export function classifyCafebabe(word: number): 'fat' | 'java' | 'none' {
  if (word < MAX_FAT_ARCHES) return 'fat';
  // minor_version is the high half; any minor with major ≥ 45 is a class.
  return (word & 0xffff) >= JAVA_MIN_MAJOR ? 'java' : 'none';
}

/** Size of the fat header plus its slice table. */
function fatTableSize(magic: number, count: number): number {
  const entry = magic === FAT_MAGIC_64 ? FAT_ARCH_64_SIZE : FAT_ARCH_SIZE;
  return FAT_HEADER_SIZE + count * entry;
}

/**
 * Identity of a thin Mach-O.
 *
 * @throws FormatError when the header is cut short
 */
export function probeThinMachO(head: Uint8Array, at = 0): BinaryIdentity {
  const magic = new ByteReader(head, false).u32(at);
  const littleEndian = magic === MH_CIGAM || magic === MH_CIGAM_64;
  const bits = magic === MH_MAGIC_64 || magic === MH_CIGAM_64 ? 64 : 32;
  const reader = new ByteReader(head, littleEndian);
  if (!reader.has(at, bits === 64 ? 32 : 28)) {
    throw new FormatError('truncated mach-o header', head.length);
  }
  const cputype = reader.u32(at + 4);
  const subtype = reader.u32(at + 8);
  const variant = cpuVariant(cputype, subtype);
  return {
    format: 'macho',
    os: 'darwin',
    architecture: cpuArchitecture(cputype),
    machine: cputype,
    bits,
    endian: littleEndian ? 'little' : 'big',
    kind: FILETYPE_KIND[reader.u32(at + 12)] ?? 'other',
    ...(variant === undefined ? {} : { variant }),
  };
}

/**
 * Identity of a universal binary: the first slice's architecture, and every
 * slice as `architecture[/variant]`. The kind comes from the first slice's
 * own header when it is inside the head; fat slices start page-aligned
 * (4 or 16 KiB), which a 64 KiB head usually covers.
 *
 * @throws FormatError when the slice table is cut short or a slice lies
 *   outside the file
 */
export function probeFatMachO(
  head: Uint8Array,
  fileSize: number
): BinaryIdentity {
  const reader = new ByteReader(head, false);
  const magic = reader.u32(0);
  const count = reader.u32(4);
  if (count === 0 || count >= MAX_FAT_ARCHES) {
    throw new FormatError('fat mach-o slice count out of range', 4, count);
  }
  const is64 = magic === FAT_MAGIC_64;
  const entrySize = is64 ? FAT_ARCH_64_SIZE : FAT_ARCH_SIZE;
  const tableEnd = fatTableSize(magic, count);
  if (!reader.has(0, tableEnd)) {
    throw new FormatError('truncated fat mach-o slice table', head.length);
  }
  const slices: string[] = [];
  let firstOffset = 0;
  for (let i = 0; i < count; i++) {
    const at = FAT_HEADER_SIZE + i * entrySize;
    const offset = is64 ? reader.u64(at + 8) : reader.u32(at + 8);
    const size = is64 ? reader.u64(at + 16) : reader.u32(at + 12);
    if (offset < tableEnd || offset + size > fileSize) {
      throw new FormatError(
        'fat mach-o slice lies outside the file',
        at + 8,
        offset
      );
    }
    const cputype = reader.u32(at);
    const variant = cpuVariant(cputype, reader.u32(at + 4));
    const arch = cpuArchitecture(cputype);
    slices.push(variant === undefined ? arch : `${arch}/${variant}`);
    if (i === 0) firstOffset = offset;
  }
  const first = sliceIdentity(reader, firstOffset);
  return { ...first, slices };
}

/** The first slice's header when present, else what the fat table says. */
function sliceIdentity(reader: ByteReader, offset: number): BinaryIdentity {
  if (reader.has(offset, 32) && isThinMachO(reader.u32(offset))) {
    return probeThinMachO(reader.bytes, offset);
  }
  const cputype = reader.u32(FAT_HEADER_SIZE);
  const variant = cpuVariant(cputype, reader.u32(FAT_HEADER_SIZE + 4));
  return {
    format: 'macho',
    os: 'darwin',
    architecture: cpuArchitecture(cputype),
    machine: cputype,
    bits: (cputype & CPU_ARCH_ABI64) !== 0 ? 64 : 32,
    endian: (cputype & 0xffffff) === CPU_TYPE_POWERPC ? 'big' : 'little',
    kind: 'other',
    ...(variant === undefined ? {} : { variant }),
  };
}

/** cputype → OCI architecture; watchOS arm64_32 and others are `unknown`. */
function cpuArchitecture(cputype: number): string {
  switch (cputype) {
    case CPU_TYPE_X86:
      return '386';
    case CPU_TYPE_X86 | CPU_ARCH_ABI64:
      return 'amd64';
    case CPU_TYPE_ARM:
      return 'arm';
    case CPU_TYPE_ARM | CPU_ARCH_ABI64:
      return 'arm64';
    case CPU_TYPE_POWERPC:
      return 'ppc';
    case CPU_TYPE_POWERPC | CPU_ARCH_ABI64:
      return 'ppc64';
    default:
      return 'unknown';
  }
}

/** arm64e (pointer authentication ABI) and the 32-bit ARM versions. */
function cpuVariant(cputype: number, subtype: number): string | undefined {
  const base = (subtype & ~CPU_SUBTYPE_MASK) >>> 0;
  if (cputype === (CPU_TYPE_ARM | CPU_ARCH_ABI64)) {
    return base === CPU_SUBTYPE_ARM64E ? 'arm64e' : undefined;
  }
  if (cputype === CPU_TYPE_ARM) return ARM_SUBTYPE_VARIANT[base];
  return undefined;
}
