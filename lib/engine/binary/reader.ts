/**
 * Bounds-checked integer reads over a file's head bytes.
 *
 * Every header field in reference/binaries.md (§2 ELF, §3 Mach-O, §4 PE) is
 * a fixed-width integer at an offset that may itself come from the file, so
 * every read is checked against the bytes actually present. An out-of-range
 * read throws {@link FormatError}, which `probeBinary` turns into a
 * `malformed` result; nothing here allocates per read.
 */
import { FormatError } from '../errors.js';

/** 2^32, to join the halves of a 64-bit field without BigInt. */
const TWO_POW_32 = 4_294_967_296;

/** Reads integers of one endianness from a byte array, never past its end. */
export class ByteReader {
  /** Number of bytes that can be read. */
  readonly length: number;
  private readonly view: DataView;

  /**
   * @param bytes - the head of the file (may be a subarray of a larger buffer)
   * @param littleEndian - byte order of the multi-byte fields
   */
  constructor(
    readonly bytes: Uint8Array,
    readonly littleEndian: boolean
  ) {
    this.view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    this.length = bytes.byteLength;
  }

  /** True when `size` bytes starting at `offset` are present. */
  has(offset: number, size: number): boolean {
    return offset >= 0 && size >= 0 && offset + size <= this.length;
  }

  /** Unsigned byte at `offset`. */
  u8(offset: number): number {
    this.need(offset, 1);
    return this.view.getUint8(offset);
  }

  /** Unsigned 16-bit field at `offset`. */
  u16(offset: number): number {
    this.need(offset, 2);
    return this.view.getUint16(offset, this.littleEndian);
  }

  /** Unsigned 32-bit field at `offset`. */
  u32(offset: number): number {
    this.need(offset, 4);
    return this.view.getUint32(offset, this.littleEndian);
  }

  /**
   * Unsigned 64-bit field at `offset` as a number. Values above 2^53 lose
   * precision, which is harmless: every such offset or size is far past the
   * end of any file and is rejected by the caller's range check.
   */
  u64(offset: number): number {
    this.need(offset, 8);
    const first = this.view.getUint32(offset, this.littleEndian);
    const second = this.view.getUint32(offset + 4, this.littleEndian);
    return this.littleEndian
      ? second * TWO_POW_32 + first
      : first * TWO_POW_32 + second;
  }

  /** A 32- or 64-bit word, as ELF's address-sized fields are. */
  word(offset: number, bits: 32 | 64): number {
    return bits === 64 ? this.u64(offset) : this.u32(offset);
  }

  private need(offset: number, size: number): void {
    if (!this.has(offset, size)) {
      throw new FormatError(
        `truncated: need ${size} bytes, have ${Math.max(0, this.length - offset)}`,
        offset
      );
    }
  }
}

/** True when the bytes at `offset` equal `expected`. */
export function bytesEqual(
  bytes: Uint8Array,
  offset: number,
  expected: readonly number[]
): boolean {
  if (offset < 0 || offset + expected.length > bytes.length) return false;
  for (let i = 0; i < expected.length; i++) {
    if (bytes[offset + i] !== expected[i]) return false;
  }
  return true;
}

/**
 * Decodes a NUL-terminated string of at most `max` bytes starting at
 * `offset`, stopping at the end of `bytes`. Paths in binaries are bytes, not
 * text, so invalid UTF-8 is replaced rather than rejected.
 */
export function cString(
  bytes: Uint8Array,
  offset: number,
  max: number
): string {
  const end = Math.min(bytes.length, offset + max);
  let stop = offset;
  while (stop < end && bytes[stop] !== 0) stop++;
  return UTF8.decode(bytes.subarray(offset, stop));
}

/** One decoder for the whole process: decoding is stateless without `stream`. */
export const UTF8 = new TextDecoder('utf-8');
