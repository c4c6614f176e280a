import { describe, expect, it } from 'vitest';
import {
  headBytesWanted,
  probeBinary,
} from '../../../../lib/engine/binary/probe.js';
import { BINPRM_BUF_SIZE } from '../../../../lib/engine/binary/shebang.js';

const bytesOf = (text: string): Uint8Array => new TextEncoder().encode(text);

/** Probes a script the way the streaming caller does. */
function probeScript(text: string) {
  const bytes = bytesOf(text);
  const wanted = headBytesWanted(bytes.subarray(0, 8), bytes.length);
  return probeBinary(bytes.slice(0, wanted), bytes.length);
}

describe('shebang lines', () => {
  it.each([
    {
      line: '#!/bin/sh\necho hi\n',
      expected: { type: 'script', interpreter: '/bin/sh' },
    },
    {
      line: '#!/usr/bin/env node\nconsole.log(1)\n',
      expected: {
        type: 'script',
        interpreter: '/usr/bin/env',
        argument: 'node',
      },
    },
    {
      line: '#! /usr/bin/python3 -u\nprint(1)\n',
      expected: {
        type: 'script',
        interpreter: '/usr/bin/python3',
        argument: '-u',
      },
    },
    {
      line: '#!/bin/sh\r\necho hi\r\n',
      expected: { type: 'script', interpreter: '/bin/sh' },
    },
    {
      line: '#!/usr/bin/env node \r\n',
      expected: {
        type: 'script',
        interpreter: '/usr/bin/env',
        argument: 'node',
      },
    },
    {
      line: '#!/usr/bin/env -S deno run --allow-net\n',
      expected: {
        type: 'script',
        interpreter: '/usr/bin/env',
        argument: '-S deno run --allow-net',
      },
    },
    {
      line: '#!\t/bin/bash\t-e\t\n',
      expected: { type: 'script', interpreter: '/bin/bash', argument: '-e' },
    },
    { line: '#!/bin/sh', expected: { type: 'script', interpreter: '/bin/sh' } },
    { line: '#!', expected: { type: 'none' } },
    { line: '#!\n/bin/sh\n', expected: { type: 'none' } },
    { line: '#!   \t \nx', expected: { type: 'none' } },
    { line: '#!\r\n', expected: { type: 'none' } },
  ])('$line', ({ line, expected }) => {
    // Prepare: the script text above

    // Act
    const result = probeScript(line);

    // Assess
    expect(result).toEqual(expected);
  });

  it('keeps a truncated argument when no newline fits in the kernel buffer', () => {
    // Prepare
    const argument = 'x'.repeat(400);
    const text = `#!/usr/bin/env ${argument}\n`;

    // Act
    const result = probeScript(text);

    // Assess
    expect(result).toEqual({
      type: 'script',
      interpreter: '/usr/bin/env',
      argument: argument.slice(0, BINPRM_BUF_SIZE - '#!/usr/bin/env '.length),
    });
  });

  it('rejects an interpreter path cut off by the kernel buffer', () => {
    // Prepare
    const text = `#!/${'d/'.repeat(200)}sh\n`;

    // Act
    const result = probeScript(text);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 2 });
  });

  it('ignores everything after the first line', () => {
    // Prepare
    const text = '#!/bin/sh\n#!/bin/bash -x\n';

    // Act
    const result = probeScript(text);

    // Assess
    expect(result).toEqual({ type: 'script', interpreter: '/bin/sh' });
  });

  it('stops the line at a NUL byte as the kernel does', () => {
    // Prepare
    const text = '#!/bin/sh\0 -x\n';

    // Act
    const result = probeScript(text);

    // Assess
    expect(result).toEqual({ type: 'script', interpreter: '/bin/sh' });
  });
});
