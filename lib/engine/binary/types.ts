/**
 * What archscan learns about one file from its first bytes: a native binary's
 * identity (ELF, Mach-O, PE), a script's interpreter, an architecture-neutral
 * format, or nothing. See reference/binaries.md for the formats.
 */

/** How a binary is used, which decides how much a mismatch matters. */
export type BinaryKind =
  /** runs as a program: ELF ET_EXEC, or ET_DYN with PT_INTERP; Mach-O MH_EXECUTE; PE image that is not a DLL */
  | 'executable'
  /** loaded by a program: ELF ET_DYN without PT_INTERP, Mach-O dylib/bundle, PE DLL */
  | 'library'
  /** never run directly: ELF ET_REL (objects, kernel modules), Mach-O objects */
  | 'object'
  /** ELF ET_CORE and other non-runnable ELF types */
  | 'other';

/** The identity of a native binary. */
export interface BinaryIdentity {
  readonly format: 'elf' | 'macho' | 'pe';
  /** OCI os: `linux` for ELF with OS ABI 0/3 (unless a note says otherwise), `freebsd`, `darwin`, `windows`, … */
  readonly os: string;
  /**
   * OCI architecture (`amd64`, `arm64`, `arm`, `386`, `ppc64le`, `s390x`,
   * `riscv64`, `mips64le`, `loong64`, …), a non-OCI name for ABIs without one
   * (`x32`, `arm64be`, `armbe`), `any` for architecture-neutral .NET IL, or
   * `unknown` with {@link machine} set.
   */
  readonly architecture: string;
  /** Variant when the file tells it: ARM `v5`…`v8` from build attributes, amd64 `v2`…`v4` from the ISA-level note. */
  readonly variant?: string;
  /** Raw machine number (ELF `e_machine`, Mach-O `cputype`, PE `Machine`). */
  readonly machine: number;
  readonly bits: 32 | 64;
  readonly endian: 'little' | 'big';
  readonly kind: BinaryKind;
  /** ARM EABI float calling convention, when `e_flags` or the interpreter tells it. */
  readonly floatAbi?: 'hard' | 'soft';
  /** ELF `PT_INTERP` path (the dynamic loader), when present. */
  readonly interpreter?: string;
  /** x86-64 ISA level required by `GNU_PROPERTY_X86_ISA_1_NEEDED` (1 = baseline … 4 = v4). */
  readonly isaLevel?: number;
  /** Universal (fat) Mach-O: every slice, as `architecture[/variant]`. */
  readonly slices?: readonly string[];
  /** .NET assembly: `il` (architecture-neutral IL only) or `r2r` (ReadyToRun precompiled). */
  readonly dotnet?: 'il' | 'r2r';
  /** True for an eBPF object (`EM_BPF`): not a CPU binary. */
  readonly bpf?: boolean;
}

/** The result of probing one file's head bytes. */
export type ProbeResult =
  | { readonly type: 'binary'; readonly identity: BinaryIdentity }
  | {
      readonly type: 'script';
      /** Interpreter path from the `#!` line (e.g. `/usr/bin/env`). */
      readonly interpreter: string;
      /** The optional single argument (e.g. `node` for `#!/usr/bin/env node`). */
      readonly argument?: string;
    }
  | {
      readonly type: 'neutral';
      readonly format: 'java-class' | 'wasm' | 'ar' | 'compressed';
    }
  | { readonly type: 'none' }
  | {
      readonly type: 'malformed';
      /** What is wrong, lower case. */
      readonly message: string;
      readonly offset?: number;
    };
