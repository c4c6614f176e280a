/**
 * 32-bit ARM specifics, reference/binaries.md §2.4: the float calling
 * convention (armhf vs armel) and the architecture version (v5/v6/v7/v8).
 *
 * The float ABI is in `e_flags` for EABI5 files; otherwise the dynamic
 * loader's name gives it away. The version is recorded only in the
 * `Tag_CPU_arch` build attribute of the `.ARM.attributes` section, which no
 * program header covers and which sits near the end of the file. It is read
 * here only when the section headers and the section are inside the head
 * (small binaries); otherwise the variant stays unknown, which the spec says
 * is not a mismatch.
 */
import type { ByteReader } from './reader.js';
import { cString } from './reader.js';

const EF_ARM_EABIMASK = 0xff000000;
const EF_ARM_EABI_VER5 = 0x05000000;
const EF_ARM_ABI_FLOAT_SOFT = 0x200;
const EF_ARM_ABI_FLOAT_HARD = 0x400;

/** Loader file names that imply a float ABI (glibc and musl). */
const LOADER_FLOAT_ABI: Readonly<Record<string, 'hard' | 'soft'>> = {
  'ld-linux-armhf.so.3': 'hard',
  'ld-musl-armhf.so.1': 'hard',
  'ld-musl-armebhf.so.1': 'hard',
  'ld-linux.so.3': 'soft',
  'ld-musl-arm.so.1': 'soft',
  'ld-musl-armeb.so.1': 'soft',
};

/**
 * The float calling convention of an ARM ELF file.
 *
 * @param flags - `e_flags`
 * @param interpreter - the `PT_INTERP` path, when known
 * @example armFloatAbi(0x05000400, undefined) // 'hard'
 */
export function armFloatAbi(
  flags: number,
  interpreter: string | undefined
): 'hard' | 'soft' | undefined {
  // The float bits mean something only from EABI version 5 on.
  if ((flags & EF_ARM_EABIMASK) >>> 0 >= EF_ARM_EABI_VER5) {
    if ((flags & EF_ARM_ABI_FLOAT_HARD) !== 0) return 'hard';
    if ((flags & EF_ARM_ABI_FLOAT_SOFT) !== 0) return 'soft';
  }
  if (interpreter === undefined) return undefined;
  const base = interpreter.slice(interpreter.lastIndexOf('/') + 1);
  return LOADER_FLOAT_ABI[base];
}

const SHT_ARM_ATTRIBUTES = 0x70000003;
/** ELF32 section header size and field offsets. */
const SHDR32_SIZE = 40;
const SH_TYPE = 4;
const SH_OFFSET = 16;
const SH_SIZE = 20;
/** More sections than this is not a small binary; stop looking. */
const MAX_SECTIONS = 1024;

const TAG_FILE = 1;
const TAG_CPU_ARCH = 6;
/** `Tag_CPU_arch` values (addenda32) grouped into OCI variants. */
const CPU_ARCH_VARIANT: Readonly<Record<number, string>> = {
  3: 'v5',
  4: 'v5',
  5: 'v5',
  6: 'v6',
  7: 'v6',
  8: 'v6',
  9: 'v6',
  10: 'v7',
  14: 'v8',
  18: 'v8',
  19: 'v8',
  20: 'v8',
  22: 'v8',
};

/** Where the section header table is, from the ELF32 header. */
export interface SectionTable {
  readonly offset: number;
  readonly count: number;
  readonly entrySize: number;
}

/**
 * The ARM variant from `Tag_CPU_arch`, when the section headers and the
 * attributes section are all within the head.
 *
 * @returns `v5`, `v6`, `v7`, `v8`, or undefined when not found or not an
 *   A-profile architecture
 */
export function armVariant(
  reader: ByteReader,
  table: SectionTable
): string | undefined {
  const { offset, count, entrySize } = table;
  if (count === 0 || count > MAX_SECTIONS || entrySize < SHDR32_SIZE) {
    return undefined;
  }
  if (!reader.has(offset, count * entrySize)) return undefined;
  for (let i = 0; i < count; i++) {
    const header = offset + i * entrySize;
    if (reader.u32(header + SH_TYPE) !== SHT_ARM_ATTRIBUTES) continue;
    const at = reader.u32(header + SH_OFFSET);
    const size = reader.u32(header + SH_SIZE);
    if (!reader.has(at, size)) return undefined;
    const arch = cpuArch(reader, at, at + size);
    return arch === undefined ? undefined : CPU_ARCH_VARIANT[arch];
  }
  return undefined;
}

/** Finds `Tag_CPU_arch` in the `aeabi` subsection of an attributes section. */
function cpuArch(
  reader: ByteReader,
  start: number,
  end: number
): number | undefined {
  if (start >= end || reader.u8(start) !== 0x41 /* 'A' */) return undefined;
  let at = start + 1;
  while (at + 4 <= end) {
    const length = reader.u32(at);
    if (length < 5 || at + length > end) return undefined;
    const vendor = cString(reader.bytes, at + 4, length - 4);
    if (vendor === 'aeabi') {
      return fileAttribute(reader, at + 4 + vendor.length + 1, at + length);
    }
    at += length;
  }
  return undefined;
}

function fileAttribute(
  reader: ByteReader,
  start: number,
  end: number
): number | undefined {
  let at = start;
  while (at + 5 <= end) {
    const tag = reader.u8(at);
    const size = reader.u32(at + 1);
    if (size < 5 || at + size > end) return undefined;
    if (tag === TAG_FILE) {
      return findTag(reader, at + 5, at + size, TAG_CPU_ARCH);
    }
    at += size;
  }
  return undefined;
}

/** Walks `tag, value` pairs; strings and numbers are told apart per addenda32. */
function findTag(
  reader: ByteReader,
  start: number,
  end: number,
  wanted: number
): number | undefined {
  const cursor = { at: start };
  while (cursor.at < end) {
    const tag = uleb(reader, cursor, end);
    if (tag === undefined) return undefined;
    if (tag === wanted) return uleb(reader, cursor, end);
    if (tag === 32) {
      // Tag_compatibility: a number, then a string.
      if (uleb(reader, cursor, end) === undefined) return undefined;
      skipString(reader, cursor, end);
    } else if (
      tag === 4 ||
      tag === 5 ||
      tag === 67 ||
      (tag > 32 && tag % 2 === 1)
    ) {
      skipString(reader, cursor, end);
    } else if (uleb(reader, cursor, end) === undefined) {
      return undefined;
    }
  }
  return undefined;
}

/** ULEB128 of at most 5 bytes (32 bits); longer runs are not attributes. */
function uleb(
  reader: ByteReader,
  cursor: { at: number },
  end: number
): number | undefined {
  let value = 0;
  for (let shift = 0; shift < 35 && cursor.at < end; shift += 7) {
    const byte = reader.u8(cursor.at++);
    value += (byte & 0x7f) * 2 ** shift;
    if ((byte & 0x80) === 0) return value;
  }
  return undefined;
}

function skipString(
  reader: ByteReader,
  cursor: { at: number },
  end: number
): void {
  while (cursor.at < end && reader.u8(cursor.at) !== 0) cursor.at++;
  cursor.at++;
}
