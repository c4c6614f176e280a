/**
 * What is this file? The binary probe's entry point: a first-bytes dispatch
 * (reference/binaries.md §1) to the ELF, Mach-O, PE and `#!` readers, and
 * recognition of the architecture-neutral formats (WebAssembly, Java class,
 * `ar` archives, nested gzip/zstd).
 *
 * It is built for streaming (§7): the layer walker reads
 * {@link SNIFF_BYTES}, asks {@link headBytesWanted} how much of the file to
 * keep, and hands that head to {@link probeBinary}. Most files are not
 * binaries and cost 8 bytes; an ELF file costs at most {@link MAX_HEAD_BYTES}.
 * The probe never throws and never reads or allocates according to sizes
 * found in the file: hostile headers end as `malformed`.
 */
import { FormatError } from '../errors.js';
import { ELF_MAGIC, probeElf } from './elf.js';
import {
  classifyCafebabe,
  FAT_MAGIC,
  FAT_MAGIC_64,
  isThinMachO,
  probeFatMachO,
  probeThinMachO,
} from './macho.js';
import { PE_HEAD_BYTES, peHeaderOffset, probePe } from './pe.js';
import { bytesEqual } from './reader.js';
import { BINPRM_BUF_SIZE, parseShebang } from './shebang.js';
import type { ProbeResult } from './types.js';

/** Bytes needed to recognise every format the probe knows. */
export const SNIFF_BYTES = 8;

/**
 * The most head bytes the probe ever asks for. 64 KiB covers an ELF file's
 * program headers, loader path and notes (usually in the first 4 KiB) and,
 * for small binaries, the ARM attributes; a universal Mach-O's first slice
 * header sits at 4 or 16 KiB.
 */
export const MAX_HEAD_BYTES = 64 * 1024;

/** A thin `mach_header_64`. */
const MACHO_HEADER_BYTES = 32;

const WASM_MAGIC = [0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00] as const;
const AR_MAGIC = [0x21, 0x3c, 0x61, 0x72, 0x63, 0x68, 0x3e, 0x0a] as const;
const GZIP_MAGIC = [0x1f, 0x8b] as const;
const ZSTD_MAGIC = [0x28, 0xb5, 0x2f, 0xfd] as const;
const SHEBANG = [0x23, 0x21] as const;
const MZ = [0x4d, 0x5a] as const;

/** What the first bytes say, before any header is parsed. */
type Sniffed =
  | 'elf'
  | 'macho'
  | 'fat'
  | 'java'
  | 'pe'
  | 'script'
  | 'wasm'
  | 'ar'
  | 'compressed'
  | 'none';

function sniff(first: Uint8Array): Sniffed {
  if (bytesEqual(first, 0, ELF_MAGIC)) return 'elf';
  if (bytesEqual(first, 0, SHEBANG)) return 'script';
  if (bytesEqual(first, 0, MZ)) return 'pe';
  if (bytesEqual(first, 0, WASM_MAGIC)) return 'wasm';
  if (bytesEqual(first, 0, AR_MAGIC)) return 'ar';
  if (bytesEqual(first, 0, GZIP_MAGIC) || bytesEqual(first, 0, ZSTD_MAGIC)) {
    return 'compressed';
  }
  if (first.length < 4) return 'none';
  const magic = bigEndianWord(first, 0);
  if (isThinMachO(magic)) return 'macho';
  if (magic === FAT_MAGIC_64)
    return first.length >= SNIFF_BYTES ? 'fat' : 'none';
  if (magic !== FAT_MAGIC || first.length < SNIFF_BYTES) return 'none';
  const kind = classifyCafebabe(bigEndianWord(first, 4));
  return kind === 'none' ? 'none' : kind;
}

function bigEndianWord(bytes: Uint8Array, at: number): number {
  return (
    ((bytes[at] ?? 0) * 0x1000000 +
      ((bytes[at + 1] ?? 0) << 16) +
      ((bytes[at + 2] ?? 0) << 8) +
      (bytes[at + 3] ?? 0)) >>>
    0
  );
}

/** Head bytes each format needs, before the cap at the file size. */
const WANTED: Readonly<Record<Sniffed, number>> = {
  elf: MAX_HEAD_BYTES,
  macho: MACHO_HEADER_BYTES,
  fat: MAX_HEAD_BYTES,
  java: SNIFF_BYTES,
  pe: PE_HEAD_BYTES,
  script: BINPRM_BUF_SIZE,
  wasm: SNIFF_BYTES,
  ar: SNIFF_BYTES,
  compressed: SNIFF_BYTES,
  none: 0,
};

/**
 * How many bytes from the start of a file {@link probeBinary} needs.
 *
 * @param first - at least the first `min(SNIFF_BYTES, fileSize)` bytes
 * @param fileSize - the whole file's size (from the tar header)
 * @returns 0 when the file is of no interest; never more than
 *   `min(fileSize, MAX_HEAD_BYTES)`
 * @example headBytesWanted(bytesOf('#!/bin/sh\n'), 10) // 10
 */
export function headBytesWanted(first: Uint8Array, fileSize: number): number {
  if (!(fileSize > 0)) return 0;
  const cap = Math.min(Math.floor(fileSize), MAX_HEAD_BYTES);
  return Math.min(WANTED[sniff(first)], cap);
}

/**
 * Identifies a file from its head.
 *
 * @param head - the first `min(fileSize, headBytesWanted(...))` bytes; more
 *   is fine, less gives a partial identity or `malformed`
 * @param fileSize - the whole file's size, against which every offset in
 *   the header is checked
 * @returns the identity; `none` for files of no interest; `malformed` with
 *   the reason and offset when a header is broken or hostile. Never throws.
 * @example
 * const wanted = headBytesWanted(first8, size);
 * const result = probeBinary(head.subarray(0, wanted), size);
 * if (result.type === 'binary') result.identity.architecture; // 'arm64'
 */
export function probeBinary(head: Uint8Array, fileSize: number): ProbeResult {
  const size =
    Number.isFinite(fileSize) && fileSize >= head.length
      ? fileSize
      : head.length;
  try {
    return dispatch(head, size);
  } catch (error) {
    return malformed(error);
  }
}

function dispatch(head: Uint8Array, size: number): ProbeResult {
  switch (sniff(head)) {
    case 'elf':
      return { type: 'binary', identity: probeElf(head, size) };
    case 'macho':
      return { type: 'binary', identity: probeThinMachO(head) };
    case 'fat':
      return { type: 'binary', identity: probeFatMachO(head, size) };
    case 'java':
      return { type: 'neutral', format: 'java-class' };
    case 'pe': {
      const offset = peHeaderOffset(head, size);
      if (offset === undefined) return { type: 'none' };
      return { type: 'binary', identity: probePe(head, offset) };
    }
    case 'script':
      return parseShebang(head);
    case 'wasm':
      return { type: 'neutral', format: 'wasm' };
    case 'ar':
      return { type: 'neutral', format: 'ar' };
    case 'compressed':
      return { type: 'neutral', format: 'compressed' };
    case 'none':
      return { type: 'none' };
  }
}

/**
 * A broken file is data, not a failure of the scan: report where and what.
 * Anything other than a FormatError is a reader bug, reported the same way
 * so one odd file cannot stop a layer.
 */
function malformed(error: unknown): ProbeResult {
  if (error instanceof FormatError) {
    const suffix = ` at offset ${error.offset}`;
    const message = error.message.endsWith(suffix)
      ? error.message.slice(0, -suffix.length)
      : error.message;
    return error.offset === undefined
      ? { type: 'malformed', message }
      : { type: 'malformed', message, offset: error.offset };
  }
  const detail = error instanceof Error ? error.message : String(error);
  return { type: 'malformed', message: `unreadable header: ${detail}` };
}
