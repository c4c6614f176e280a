/**
 * ELF `e_machine` → OCI architecture, the table in reference/binaries.md §2.2.
 *
 * The machine number alone is not enough: the same `EM_X86_64` is `amd64` in
 * a 64-bit file and the x32 ABI in a 32-bit one, `EM_AARCH64` is `arm64`
 * little-endian and `arm64be` big-endian, and `EM_MIPS` needs class, byte
 * order and the n32 flag to name one of six platforms. A combination the
 * table does not list is reported as `unknown`, with the raw machine kept
 * beside it by the caller, rather than guessed.
 */

/** ELF machine numbers used here (glibc `elf/elf.h`). */
export const EM = {
  NONE: 0,
  SPARC: 2,
  I386: 3,
  MIPS: 8,
  SPARC32PLUS: 18,
  PPC: 20,
  PPC64: 21,
  S390: 22,
  ARM: 40,
  SPARCV9: 43,
  X86_64: 62,
  AARCH64: 183,
  RISCV: 243,
  BPF: 247,
  LOONGARCH: 258,
} as const;

/** `EF_MIPS_ABI2`: a 32-bit MIPS file with this flag uses the n32 ABI. */
const EF_MIPS_ABI2 = 0x20;

/** The architecture name for anything the table does not cover. */
export const UNKNOWN_ARCHITECTURE = 'unknown';

/** What the ELF identification says about the word size and byte order. */
export interface ElfClass {
  readonly bits: 32 | 64;
  readonly littleEndian: boolean;
}

/**
 * Names the architecture of an ELF file.
 *
 * @param machine - `e_machine`
 * @param elfClass - from `EI_CLASS` and `EI_DATA`
 * @param flags - `e_flags`, needed only for MIPS n32
 * @returns an OCI architecture, a non-OCI ABI name (`x32`, `arm64be`,
 *   `armbe`, `mips64p32`, `bpf`), or `unknown`
 * @example elfArchitecture(62, { bits: 64, littleEndian: true }, 0) // 'amd64'
 */
export function elfArchitecture(
  machine: number,
  elfClass: ElfClass,
  flags: number
): string {
  const { bits, littleEndian: le } = elfClass;
  const is64 = bits === 64;
  switch (machine) {
    case EM.X86_64:
      if (!le) return UNKNOWN_ARCHITECTURE;
      return is64 ? 'amd64' : 'x32';
    case EM.I386:
      return !is64 && le ? '386' : UNKNOWN_ARCHITECTURE;
    case EM.AARCH64:
      // AArch64 ILP32 (32-bit class) has no OCI architecture.
      if (!is64) return UNKNOWN_ARCHITECTURE;
      return le ? 'arm64' : 'arm64be';
    case EM.ARM:
      if (is64) return UNKNOWN_ARCHITECTURE;
      return le ? 'arm' : 'armbe';
    case EM.PPC64:
      if (!is64) return UNKNOWN_ARCHITECTURE;
      return le ? 'ppc64le' : 'ppc64';
    case EM.PPC:
      return !is64 && !le ? 'ppc' : UNKNOWN_ARCHITECTURE;
    case EM.S390:
      if (le) return UNKNOWN_ARCHITECTURE;
      return is64 ? 's390x' : 's390';
    case EM.RISCV:
      if (!le) return UNKNOWN_ARCHITECTURE;
      return is64 ? 'riscv64' : 'riscv';
    case EM.MIPS:
      return mipsArchitecture(elfClass, flags);
    case EM.LOONGARCH:
      return is64 && le ? 'loong64' : UNKNOWN_ARCHITECTURE;
    case EM.SPARCV9:
      return is64 && !le ? 'sparc64' : UNKNOWN_ARCHITECTURE;
    case EM.SPARC:
    case EM.SPARC32PLUS:
      return !is64 && !le ? 'sparc' : UNKNOWN_ARCHITECTURE;
    case EM.BPF:
      // eBPF objects are loaded into the kernel, not run by a CPU.
      return 'bpf';
    default:
      return UNKNOWN_ARCHITECTURE;
  }
}

function mipsArchitecture(elfClass: ElfClass, flags: number): string {
  const suffix = elfClass.littleEndian ? 'le' : '';
  if (elfClass.bits === 64) return `mips64${suffix}`;
  // n32 is a 64-bit CPU running with 32-bit pointers: a 32-bit ELF class.
  if ((flags & EF_MIPS_ABI2) !== 0) return `mips64p32${suffix}`;
  return `mips${suffix}`;
}
