/**
 * ELF notes that name the OS and the x86 ISA level, reference/binaries.md
 * §2.7.
 *
 * A note is `namesz`, `descsz`, `type` (u32 each), then the owner name and
 * the descriptor, each padded to the segment's alignment (4, or 8 for
 * `.note.gnu.property` in ELF64). Two GNU notes matter here:
 * - `NT_GNU_ABI_TAG` (1): the first descriptor word names the OS, a stronger
 *   signal than `EI_OSABI`, which most Linux binaries leave at 0.
 * - `NT_GNU_PROPERTY_TYPE_0` (5): a list of properties; on x86
 *   `GNU_PROPERTY_X86_ISA_1_NEEDED` holds the ISA levels the loader demands.
 *   `ISA_1_USED` is informational and deliberately ignored.
 *
 * The walk is bounded by the segment size and advances at least 12 bytes per
 * note, so a hostile size cannot make it loop or allocate.
 */
import type { ByteReader } from './reader.js';

const NT_GNU_ABI_TAG = 1;
const NT_GNU_PROPERTY_TYPE_0 = 5;
const GNU_PROPERTY_X86_ISA_1_NEEDED = 0xc0008002;

/** Note header: namesz, descsz, type. */
const NOTE_HEADER_SIZE = 12;

/** `NT_GNU_ABI_TAG` OS word → OCI os. */
const ABI_TAG_OS: readonly string[] = ['linux', 'hurd', 'solaris', 'freebsd'];

/** `"GNU\0"` as bytes. */
const GNU_OWNER = [0x47, 0x4e, 0x55, 0x00] as const;

/** What the notes of one segment say; fields are absent when not stated. */
export interface ElfNoteFacts {
  /** OS from `NT_GNU_ABI_TAG`. */
  abiOs?: string;
  /** Highest x86 ISA level in `GNU_PROPERTY_X86_ISA_1_NEEDED` (1..4). */
  isaLevel?: number;
}

/** Where one note segment sits in the head. */
export interface NoteSegment {
  readonly offset: number;
  readonly size: number;
  /** `p_align`; only 8 changes the padding. */
  readonly align: number;
}

/**
 * Reads the GNU notes in a segment that lies entirely inside the reader.
 * Stops quietly at the first note that does not fit: a torn note list is
 * missing information, not proof that the file is broken.
 *
 * @param reader - the head bytes, in the file's byte order
 * @param segment - a `PT_NOTE` or `PT_GNU_PROPERTY` segment
 * @param bits - ELF class, which sets the property padding
 * @param into - facts found so far; later notes add to it
 */
export function readNotes(
  reader: ByteReader,
  segment: NoteSegment,
  bits: 32 | 64,
  into: ElfNoteFacts
): void {
  const align = segment.align === 8 ? 8 : 4;
  const end = segment.offset + segment.size;
  let at = segment.offset;
  while (at + NOTE_HEADER_SIZE <= end) {
    const nameSize = reader.u32(at);
    const descSize = reader.u32(at + 4);
    const type = reader.u32(at + 8);
    const nameAt = at + NOTE_HEADER_SIZE;
    const descAt = alignUp(nameAt + nameSize, align);
    const next = alignUp(descAt + descSize, align);
    if (descAt + descSize > end || next <= at) return;
    if (nameSize === 4 && isGnuOwner(reader, nameAt)) {
      readGnuNote(reader, type, descAt, descSize, bits, into);
    }
    at = next;
  }
}

function readGnuNote(
  reader: ByteReader,
  type: number,
  descAt: number,
  descSize: number,
  bits: 32 | 64,
  into: ElfNoteFacts
): void {
  if (type === NT_GNU_ABI_TAG && descSize >= 4) {
    into.abiOs = ABI_TAG_OS[reader.u32(descAt)] ?? 'unknown';
  } else if (type === NT_GNU_PROPERTY_TYPE_0) {
    const level = readIsaNeeded(reader, descAt, descSize, bits);
    if (level !== undefined) into.isaLevel = level;
  }
}

/** Walks a property array for `GNU_PROPERTY_X86_ISA_1_NEEDED`. */
function readIsaNeeded(
  reader: ByteReader,
  at: number,
  size: number,
  bits: 32 | 64
): number | undefined {
  const pad = bits === 64 ? 8 : 4;
  const end = at + size;
  let cursor = at;
  while (cursor + 8 <= end) {
    const type = reader.u32(cursor);
    const dataSize = reader.u32(cursor + 4);
    const dataAt = cursor + 8;
    if (dataAt + dataSize > end) return undefined;
    if (type === GNU_PROPERTY_X86_ISA_1_NEEDED && dataSize >= 4) {
      return highestIsaLevel(reader.u32(dataAt));
    }
    cursor = alignUp(dataAt + dataSize, pad);
  }
  return undefined;
}

/**
 * Bit 0 = baseline, 1 = v2, 2 = v3, 3 = v4 (glibc `isa-level.c`); the
 * requirement is the highest bit set. Unknown higher bits are ignored, as
 * the spec advises for values from other toolchains.
 */
function highestIsaLevel(bits: number): number | undefined {
  for (let level = 4; level >= 1; level--) {
    if ((bits & (1 << (level - 1))) !== 0) return level;
  }
  return undefined;
}

function isGnuOwner(reader: ByteReader, at: number): boolean {
  for (let i = 0; i < GNU_OWNER.length; i++) {
    if (reader.u8(at + i) !== GNU_OWNER[i]) return false;
  }
  return true;
}

function alignUp(value: number, align: number): number {
  return Math.ceil(value / align) * align;
}
