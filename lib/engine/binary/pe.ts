/**
 * PE/COFF identity, including .NET assemblies, reference/binaries.md §4
 * (Microsoft "PE Format"; dotnet/runtime `MachineOSOverride`).
 *
 * `MZ` starts a DOS header whose `e_lfanew` (at 0x3C) points to `PE\0\0`,
 * then the COFF header (Machine, Characteristics) and the optional header.
 * `e_lfanew` is capped at 4 KiB so the whole header fits a small head.
 *
 * .NET assemblies are PE files that often sit in Linux images. Data
 * directory 14 (the CLR header) marks them. IL-only AnyCPU assemblies keep
 * Machine = i386 and run anywhere: architecture `any`. ReadyToRun images
 * carry native code for one OS and CPU, and encode the OS by XORing Machine
 * with a constant (Linux 0x7B79, …): `0xFD1D` is linux/amd64, not Windows.
 */
import { FormatError } from '../errors.js';
import { ByteReader, bytesEqual } from './reader.js';
import type { BinaryIdentity } from './types.js';

/** Largest `e_lfanew` followed; real linkers put the PE header below 512. */
export const MAX_PE_HEADER_OFFSET = 4096;
const E_LFANEW = 0x3c;
const DOS_HEADER_SIZE = 64;
const PE_SIGNATURE = [0x50, 0x45, 0x00, 0x00] as const;
const COFF_HEADER_SIZE = 20;
/** Optional header up to the end of data directory 14, PE32+ layout. */
const OPTIONAL_THROUGH_CLR = 232;

/** Head bytes that cover a PE header at the largest allowed `e_lfanew`. */
export const PE_HEAD_BYTES =
  MAX_PE_HEADER_OFFSET +
  PE_SIGNATURE.length +
  COFF_HEADER_SIZE +
  OPTIONAL_THROUGH_CLR;

const IMAGE_FILE_EXECUTABLE_IMAGE = 0x0002;
const IMAGE_FILE_DLL = 0x2000;
const PE32_MAGIC = 0x10b;
const PE32_PLUS_MAGIC = 0x20b;
const CLR_DIRECTORY = 14;
/** Where the data directories start inside the optional header. */
const DIRECTORIES_PE32 = 96;
const DIRECTORIES_PE32_PLUS = 112;

const MACHINE_I386 = 0x14c;

/** COFF Machine → [OCI architecture, bits]. */
const MACHINES: ReadonlyMap<number, readonly [string, 32 | 64]> = new Map([
  [0x8664, ['amd64', 64]],
  [0xaa64, ['arm64', 64]],
  [MACHINE_I386, ['386', 32]],
  [0x1c4, ['arm', 32]],
  [0x1c0, ['arm', 32]],
  [0x5064, ['riscv64', 64]],
  [0x5032, ['riscv', 32]],
  [0x6264, ['loong64', 64]],
  // ARM64EC and ARM64X: Windows on ARM hybrids; they need an arm64 CPU.
  [0xa641, ['arm64', 64]],
  [0xa64e, ['arm64', 64]],
] as const);

/** ReadyToRun OS constants (dotnet/runtime `MachineOSOverride`). */
const R2R_OS: ReadonlyMap<number, string> = new Map([
  [0x7b79, 'linux'],
  [0x4644, 'darwin'],
  [0xadc4, 'freebsd'],
  [0x1993, 'netbsd'],
  [0x1992, 'solaris'],
]);

/**
 * Where the PE header starts, or undefined when `MZ` is not followed by a
 * PE signature (a DOS program, or any file that happens to begin with "MZ").
 *
 * @throws FormatError when `e_lfanew` points past the cap or the file
 */
export function peHeaderOffset(
  head: Uint8Array,
  fileSize: number
): number | undefined {
  if (fileSize < DOS_HEADER_SIZE || head.length < DOS_HEADER_SIZE)
    return undefined;
  const offset = new ByteReader(head, true).u32(E_LFANEW);
  if (offset > MAX_PE_HEADER_OFFSET) {
    throw new FormatError(
      'pe header offset beyond the 4096-byte cap',
      E_LFANEW,
      offset
    );
  }
  if (offset + PE_SIGNATURE.length + COFF_HEADER_SIZE > fileSize) {
    throw new FormatError(
      'pe header offset past end of file',
      E_LFANEW,
      offset
    );
  }
  if (offset + PE_SIGNATURE.length > head.length) {
    throw new FormatError('truncated pe header', head.length);
  }
  return bytesEqual(head, offset, PE_SIGNATURE) ? offset : undefined;
}

/**
 * Identity of a PE image whose signature is at `peOffset`.
 *
 * @throws FormatError when the COFF header is cut short
 * @example probePe(head, peHeaderOffset(head, size)!).os // 'windows'
 */
export function probePe(head: Uint8Array, peOffset: number): BinaryIdentity {
  const reader = new ByteReader(head, true);
  const coff = peOffset + PE_SIGNATURE.length;
  if (!reader.has(coff, COFF_HEADER_SIZE)) {
    throw new FormatError('truncated coff header', head.length);
  }
  const rawMachine = reader.u16(coff);
  const optionalSize = reader.u16(coff + 16);
  const characteristics = reader.u16(coff + 18);
  const optional = coff + COFF_HEADER_SIZE;
  const managed = hasClrHeader(reader, optional, optionalSize);
  const r2r = managed ? readyToRun(rawMachine) : undefined;
  const machine = r2r?.machine ?? rawMachine;
  const known = MACHINES.get(machine);
  const anyCpu = managed && r2r === undefined && machine === MACHINE_I386;
  const bits = optionalBits(reader, optional, optionalSize) ?? known?.[1] ?? 32;
  return {
    format: 'pe',
    os: r2r?.os ?? 'windows',
    architecture: anyCpu ? 'any' : (known?.[0] ?? 'unknown'),
    machine: rawMachine,
    bits,
    endian: 'little',
    kind: peKind(characteristics),
    ...(managed ? { dotnet: r2r === undefined ? 'il' : 'r2r' } : {}),
  };
}

function peKind(characteristics: number): BinaryIdentity['kind'] {
  if ((characteristics & IMAGE_FILE_DLL) !== 0) return 'library';
  if ((characteristics & IMAGE_FILE_EXECUTABLE_IMAGE) !== 0)
    return 'executable';
  return 'other';
}

/** PE32 → 32, PE32+ → 64, from the optional header's magic. */
function optionalBits(
  reader: ByteReader,
  optional: number,
  optionalSize: number
): 32 | 64 | undefined {
  if (optionalSize < 2 || !reader.has(optional, 2)) return undefined;
  const magic = reader.u16(optional);
  if (magic === PE32_MAGIC) return 32;
  if (magic === PE32_PLUS_MAGIC) return 64;
  return undefined;
}

/** True when data directory 14 (CLR runtime header) is present and non-zero. */
function hasClrHeader(
  reader: ByteReader,
  optional: number,
  optionalSize: number
): boolean {
  const bits = optionalBits(reader, optional, optionalSize);
  if (bits === undefined) return false;
  const directories =
    optional + (bits === 64 ? DIRECTORIES_PE32_PLUS : DIRECTORIES_PE32);
  const countAt = directories - 4;
  const entry = directories + CLR_DIRECTORY * 8;
  if (entry + 8 > optional + optionalSize || !reader.has(entry, 8))
    return false;
  if (reader.u32(countAt) <= CLR_DIRECTORY) return false;
  return reader.u32(entry) !== 0 && reader.u32(entry + 4) !== 0;
}

/** Undoes the ReadyToRun OS XOR when it yields a known machine. */
function readyToRun(
  rawMachine: number
): { readonly machine: number; readonly os: string } | undefined {
  // No known machine XORed with a constant gives another known machine, so
  // a plain Windows value never matches here.
  for (const [constant, os] of R2R_OS) {
    const machine = rawMachine ^ constant;
    if (MACHINES.has(machine)) return { machine, os };
  }
  return undefined;
}
