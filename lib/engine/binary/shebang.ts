/**
 * `#!` script lines, parsed the way Linux `fs/binfmt_script.c` does,
 * reference/binaries.md §6.
 *
 * The kernel reads the first 256 bytes (`BINPRM_BUF_SIZE`). After `#!` and
 * optional blanks comes the interpreter path, then at most one argument:
 * everything after the next run of blanks, with trailing blanks removed, so
 * `#!/usr/bin/env -S node --flag` passes `-S node --flag` as one argument.
 * A line cut off by the buffer keeps a truncated argument, but a truncated
 * interpreter path cannot run (Linux 5.0+ returns ENOEXEC).
 *
 * A Windows line ending is stripped: the kernel would look for `/bin/sh\r`,
 * which is a packaging bug worth knowing, but the interpreter the author
 * meant is what the scanner has to judge.
 */
import { UTF8 } from './reader.js';
import type { ProbeResult } from './types.js';

/** Bytes of a script the kernel looks at (uapi `linux/binfmts.h`). */
export const BINPRM_BUF_SIZE = 256;

const NEWLINE = 0x0a;
const CARRIAGE_RETURN = 0x0d;
const SPACE = 0x20;
const TAB = 0x09;
const NUL = 0x00;
/** Length of `#!`. */
const MARKER = 2;

/**
 * Reads the interpreter and argument of a `#!` line.
 *
 * @param head - the file's first bytes, starting with `#!`
 * @returns `script`, `none` when no interpreter is named, or `malformed`
 *   when the interpreter path does not fit in the kernel's buffer
 * @example parseShebang(bytesOf('#!/usr/bin/env node\n'))
 *   // { type: 'script', interpreter: '/usr/bin/env', argument: 'node' }
 */
export function parseShebang(head: Uint8Array): ProbeResult {
  const limit = Math.min(head.length, BINPRM_BUF_SIZE);
  let rawEnd = MARKER;
  while (rawEnd < limit && head[rawEnd] !== NEWLINE && head[rawEnd] !== NUL) {
    rawEnd++;
  }
  // No line end inside the kernel's buffer: the line was cut off there.
  const cutOff = rawEnd === BINPRM_BUF_SIZE;
  let end = rawEnd;
  while (end > MARKER && isTrailingSpace(head[end - 1])) end--;

  let start = MARKER;
  while (start < end && isBlank(head[start])) start++;
  let nameEnd = start;
  while (nameEnd < end && !isBlank(head[nameEnd])) nameEnd++;
  if (nameEnd === start) return { type: 'none' };
  if (cutOff && nameEnd === rawEnd) {
    return {
      type: 'malformed',
      message: `shebang interpreter path does not fit in ${BINPRM_BUF_SIZE} bytes`,
      offset: start,
    };
  }
  const interpreter = UTF8.decode(head.subarray(start, nameEnd));
  let argStart = nameEnd;
  while (argStart < end && isBlank(head[argStart])) argStart++;
  if (argStart === end) return { type: 'script', interpreter };
  const argument = UTF8.decode(head.subarray(argStart, end));
  return { type: 'script', interpreter, argument };
}

function isBlank(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB;
}

function isTrailingSpace(byte: number | undefined): boolean {
  return byte === SPACE || byte === TAB || byte === CARRIAGE_RETURN;
}
