/**
 * ELF identity from a file's head: class, byte order, machine, type, OS,
 * dynamic loader, ISA level and ARM float ABI. Layout and constants follow
 * reference/binaries.md §2 (glibc `elf/elf.h`, the gABI).
 *
 * The identification bytes are checked first, each into a closed set, as
 * Go's `debug/elf` does; a bad value is a {@link FormatError}. Everything
 * after the fixed header is optional: the program headers, `PT_INTERP` and
 * the notes are read only where they fall inside the head, so a short head
 * gives a partial identity rather than an error. Offsets and counts from the
 * file are checked against the file size before use, and every loop is
 * bounded by the head length.
 */
import { FormatError } from '../errors.js';
import { armFloatAbi, armVariant } from './elf-arm.js';
import { EM, elfArchitecture } from './elf-machine.js';
import type { ElfNoteFacts } from './elf-notes.js';
import { readNotes } from './elf-notes.js';
import { ByteReader, cString } from './reader.js';
import type { BinaryIdentity, BinaryKind } from './types.js';

/** `\x7fELF`. */
export const ELF_MAGIC = [0x7f, 0x45, 0x4c, 0x46] as const;

const EI_CLASS = 4;
const EI_DATA = 5;
const EI_VERSION = 6;
const EI_OSABI = 7;
const EI_NIDENT = 16;

const ET_REL = 1;
const ET_EXEC = 2;
const ET_DYN = 3;
const ET_CORE = 4;

const PT_INTERP = 3;
const PT_NOTE = 4;
const PT_GNU_PROPERTY = 0x6474e553;
/** `e_phnum` value meaning "the count is in section 0": exotic, not read. */
const PN_XNUM = 0xffff;
/** The kernel rejects a loader path longer than PATH_MAX. */
const MAX_INTERP_BYTES = 4096;
/** Upper bound on program headers walked, whatever `e_phnum` says. */
const MAX_PROGRAM_HEADERS = 2048;

/** `EI_OSABI` → OCI os; 0 (System V) is what most Linux binaries carry. */
const OSABI_OS: Readonly<Record<number, string>> = {
  0: 'linux',
  3: 'linux',
  6: 'solaris',
  9: 'freebsd',
};

/** Field offsets that differ between ELF32 and ELF64 (§2.1, §2.5). */
interface Layout {
  readonly headerSize: number;
  readonly phoff: number;
  readonly shoff: number;
  readonly flags: number;
  readonly phentsize: number;
  readonly phnum: number;
  readonly shentsize: number;
  readonly shnum: number;
  readonly phdrSize: number;
  readonly pOffset: number;
  readonly pFilesz: number;
  readonly pAlign: number;
}

const LAYOUT32: Layout = {
  headerSize: 52,
  phoff: 28,
  shoff: 32,
  flags: 36,
  phentsize: 42,
  phnum: 44,
  shentsize: 46,
  shnum: 48,
  phdrSize: 32,
  pOffset: 4,
  pFilesz: 16,
  pAlign: 28,
};

const LAYOUT64: Layout = {
  headerSize: 64,
  phoff: 32,
  shoff: 40,
  flags: 48,
  phentsize: 54,
  phnum: 56,
  shentsize: 58,
  shnum: 60,
  phdrSize: 56,
  pOffset: 8,
  pFilesz: 32,
  pAlign: 48,
};

/** What the program headers inside the head revealed. */
interface SegmentFacts {
  hasInterp: boolean;
  interpreter?: string;
  notes: ElfNoteFacts;
}

/**
 * Reads an ELF file's identity from its head.
 *
 * @param head - the first bytes of the file, starting with `\x7fELF`
 * @param fileSize - the whole file's size, to reject offsets past its end
 * @throws FormatError when a header field is invalid or points past the file
 * @example probeElf(head, size).architecture // 'arm64'
 */
export function probeElf(head: Uint8Array, fileSize: number): BinaryIdentity {
  if (head.length < EI_NIDENT) {
    throw new FormatError('truncated elf identification', head.length);
  }
  const bits = elfBits(head[EI_CLASS] ?? 0);
  const littleEndian = elfLittleEndian(head[EI_DATA] ?? 0);
  if (head[EI_VERSION] !== 1) {
    throw new FormatError('invalid elf version', EI_VERSION, head[EI_VERSION]);
  }
  const layout = bits === 64 ? LAYOUT64 : LAYOUT32;
  const reader = new ByteReader(head, littleEndian);
  if (!reader.has(0, layout.headerSize)) {
    throw new FormatError('truncated elf header', head.length);
  }
  const type = reader.u16(16);
  const machine = reader.u16(18);
  if (machine === EM.NONE) {
    throw new FormatError('elf machine is EM_NONE', 18, machine);
  }
  const flags = reader.u32(layout.flags);
  const segments = readSegments(reader, layout, bits, fileSize);
  const architecture = elfArchitecture(machine, { bits, littleEndian }, flags);
  const interpreter = segments.interpreter;
  const isX86 = machine === EM.X86_64 || machine === EM.I386;
  const isaLevel = isX86 ? segments.notes.isaLevel : undefined;
  const isArm = machine === EM.ARM;
  const floatAbi = isArm ? armFloatAbi(flags, interpreter) : undefined;
  const variant = isArm
    ? armVariant(reader, {
        offset: reader.u32(layout.shoff),
        count: reader.u16(layout.shnum),
        entrySize: reader.u16(layout.shentsize),
      })
    : isaVariant(architecture, isaLevel);
  return {
    format: 'elf',
    os: segments.notes.abiOs ?? OSABI_OS[head[EI_OSABI] ?? 0] ?? 'unknown',
    architecture,
    machine,
    bits,
    endian: littleEndian ? 'little' : 'big',
    kind: elfKind(type, segments.hasInterp),
    ...(variant === undefined ? {} : { variant }),
    ...(floatAbi === undefined ? {} : { floatAbi }),
    ...(interpreter === undefined ? {} : { interpreter }),
    ...(isaLevel === undefined ? {} : { isaLevel }),
    ...(machine === EM.BPF ? { bpf: true } : {}),
  };
}

function elfBits(elfClass: number): 32 | 64 {
  if (elfClass === 1) return 32;
  if (elfClass === 2) return 64;
  throw new FormatError('invalid elf class', EI_CLASS, elfClass);
}

function elfLittleEndian(data: number): boolean {
  if (data === 1) return true;
  if (data === 2) return false;
  throw new FormatError('invalid elf data encoding', EI_DATA, data);
}

/** ET_DYN is a PIE when it asks for a loader, a shared library otherwise. */
function elfKind(type: number, hasInterp: boolean): BinaryKind {
  switch (type) {
    case ET_REL:
      return 'object';
    case ET_EXEC:
      return 'executable';
    case ET_DYN:
      return hasInterp ? 'executable' : 'library';
    case ET_CORE:
      return 'other';
    default:
      return 'other';
  }
}

/** amd64 `v2`…`v4` from the ISA level; baseline is the default, no variant. */
function isaVariant(
  architecture: string,
  isaLevel: number | undefined
): string | undefined {
  if (architecture !== 'amd64' || isaLevel === undefined || isaLevel < 2) {
    return undefined;
  }
  return `v${isaLevel}`;
}

/**
 * Walks the program headers that lie inside the head. The table as a whole
 * must fit in the file; entries beyond the head are skipped, which leaves
 * the identity partial (e.g. a PIE seen as a library) but never wrong about
 * the machine.
 */
function readSegments(
  reader: ByteReader,
  layout: Layout,
  bits: 32 | 64,
  fileSize: number
): SegmentFacts {
  const facts: SegmentFacts = { hasInterp: false, notes: {} };
  const count = reader.u16(layout.phnum);
  if (count === 0 || count === PN_XNUM) return facts;
  const phoff = reader.word(layout.phoff, bits);
  const entrySize = reader.u16(layout.phentsize);
  if (entrySize < layout.phdrSize) {
    throw new FormatError(
      'elf program header entry too small',
      layout.phentsize,
      entrySize
    );
  }
  if (phoff + count * entrySize > fileSize) {
    throw new FormatError(
      'elf program headers extend past end of file',
      layout.phoff,
      phoff
    );
  }
  const walked = Math.min(count, MAX_PROGRAM_HEADERS);
  for (let i = 0; i < walked; i++) {
    const at = phoff + i * entrySize;
    if (!reader.has(at, layout.phdrSize)) break;
    readSegment(reader, layout, bits, fileSize, at, facts);
  }
  return facts;
}

function readSegment(
  reader: ByteReader,
  layout: Layout,
  bits: 32 | 64,
  fileSize: number,
  at: number,
  facts: SegmentFacts
): void {
  const type = reader.u32(at);
  if (type !== PT_INTERP && type !== PT_NOTE && type !== PT_GNU_PROPERTY) {
    return;
  }
  const offset = reader.word(at + layout.pOffset, bits);
  const size = reader.word(at + layout.pFilesz, bits);
  if (offset + size > fileSize) {
    throw new FormatError(
      'elf segment extends past end of file',
      at + layout.pOffset,
      offset
    );
  }
  if (type === PT_INTERP) {
    facts.hasInterp = true;
    const length = Math.min(size, MAX_INTERP_BYTES);
    if (length > 0 && reader.has(offset, length)) {
      const path = cString(reader.bytes, offset, length);
      if (path !== '') facts.interpreter = path;
    }
    return;
  }
  if (reader.has(offset, size)) {
    const align = reader.word(at + layout.pAlign, bits);
    readNotes(reader, { offset, size, align }, bits, facts.notes);
  }
}
