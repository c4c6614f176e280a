import { describe, expect, it } from 'vitest';
import { probeBinary } from '../../../../lib/engine/binary/probe.js';
import type {
  BinaryIdentity,
  ProbeResult,
} from '../../../../lib/engine/binary/types.js';
import {
  probeStreamed,
  readFixture,
} from '../../../support/binary-fixtures.js';

function identityOf(result: ProbeResult | undefined): BinaryIdentity {
  if (result?.type !== 'binary') {
    throw new TypeError(`expected a binary, got ${JSON.stringify(result)}`);
  }
  return result.identity;
}

const view = (bytes: Uint8Array) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** Offsets of the fields this suite rewrites, read from the fixture. */
function layout(bytes: Uint8Array) {
  const peOffset = view(bytes).getUint32(0x3c, true);
  const coff = peOffset + 4;
  const optional = coff + 20;
  return {
    machine: coff,
    characteristics: coff + 18,
    optional,
    // PE32+: NumberOfRvaAndSizes at 108, data directory 14 at 112 + 14 * 8.
    directoryCount: optional + 108,
    clr: optional + 224,
  };
}

/** A copy of the DLL fixture turned into a .NET assembly with `machine`. */
function managed(machine: number): Uint8Array {
  const bytes = readFixture('addon-windows-amd64.dll');
  const at = layout(bytes);
  view(bytes).setUint16(at.machine, machine, true);
  view(bytes).setUint32(at.clr, 0x2008, true);
  view(bytes).setUint32(at.clr + 4, 0x48, true);
  return bytes;
}

describe('.NET assemblies', () => {
  it.each([
    { machine: 0x14c, os: 'windows', architecture: 'any', dotnet: 'il' },
    { machine: 0x8664, os: 'windows', architecture: 'amd64', dotnet: 'il' },
    {
      machine: 0x8664 ^ 0x7b79,
      os: 'linux',
      architecture: 'amd64',
      dotnet: 'r2r',
    },
    {
      machine: 0xaa64 ^ 0x7b79,
      os: 'linux',
      architecture: 'arm64',
      dotnet: 'r2r',
    },
    {
      machine: 0xaa64 ^ 0x4644,
      os: 'darwin',
      architecture: 'arm64',
      dotnet: 'r2r',
    },
    {
      machine: 0x8664 ^ 0xadc4,
      os: 'freebsd',
      architecture: 'amd64',
      dotnet: 'r2r',
    },
    {
      machine: 0x8664 ^ 0x1993,
      os: 'netbsd',
      architecture: 'amd64',
      dotnet: 'r2r',
    },
    {
      machine: 0x8664 ^ 0x1992,
      os: 'solaris',
      architecture: 'amd64',
      dotnet: 'r2r',
    },
  ])(
    'machine $machine → $os/$architecture ($dotnet)',
    ({ machine, os, architecture, dotnet }) => {
      // Prepare
      const bytes = managed(machine);

      // Act
      const identity = identityOf(probeStreamed(bytes).result);

      // Assess
      expect(identity).toMatchObject({ os, architecture, dotnet, machine });
    }
  );

  it('is no .NET assembly when the directory table stops before entry 14', () => {
    // Prepare
    const bytes = managed(0x14c);
    view(bytes).setUint32(layout(bytes).directoryCount, 14, true);

    // Act
    const identity = identityOf(probeStreamed(bytes).result);

    // Assess
    expect(identity.dotnet).toBeUndefined();
    expect(identity.architecture).toBe('386');
  });

  it('leaves an XORed machine without a CLR header unknown', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    view(bytes).setUint16(layout(bytes).machine, 0x8664 ^ 0x7b79, true);

    // Act
    const identity = identityOf(probeStreamed(bytes).result);

    // Assess
    expect(identity).toMatchObject({ os: 'windows', architecture: 'unknown' });
    expect(identity.dotnet).toBeUndefined();
  });
});

describe('PE headers', () => {
  it.each([
    { machine: 0xaa64, architecture: 'arm64' },
    { machine: 0x1c4, architecture: 'arm' },
    { machine: 0x5064, architecture: 'riscv64' },
    { machine: 0x200, architecture: 'unknown' },
  ])('machine $machine → $architecture', ({ machine, architecture }) => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    view(bytes).setUint16(layout(bytes).machine, machine, true);

    // Act
    const identity = identityOf(probeStreamed(bytes).result);

    // Assess
    expect(identity.architecture).toBe(architecture);
  });

  it('calls an image that is neither executable nor DLL other', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    view(bytes).setUint16(layout(bytes).characteristics, 0, true);

    // Act
    const identity = identityOf(probeStreamed(bytes).result);

    // Assess
    expect(identity.kind).toBe('other');
  });

  it('takes the word size from the machine without an optional header', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    const at = layout(bytes);
    view(bytes).setUint16(at.machine, 0x14c, true);
    view(bytes).setUint16(at.optional - 4, 0, true);

    // Act
    const identity = identityOf(probeStreamed(bytes).result);

    // Assess
    expect(identity).toMatchObject({ architecture: '386', bits: 32 });
  });

  it.each([
    { what: 'beyond the 4 KiB cap', lfanew: 0x7fffffff },
    { what: 'just past the cap', lfanew: 4097 },
  ])('rejects e_lfanew $what', ({ lfanew }) => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    view(bytes).setUint32(0x3c, lfanew, true);

    // Act
    const { result } = probeStreamed(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 0x3c });
  });

  it('rejects e_lfanew past the end of a small file', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe').slice(0, 256);
    view(bytes).setUint32(0x3c, 250, true);

    // Act
    const result = probeBinary(bytes, bytes.length);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 0x3c });
  });

  it('is not a PE when e_lfanew points at no signature', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    view(bytes).setUint32(0x3c, 4000, true);

    // Act
    const { result } = probeStreamed(bytes);

    // Assess
    expect(result).toEqual({ type: 'none' });
  });

  it('rejects a head that stops inside the COFF header', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe');
    const cut = layout(bytes).machine + 4;

    // Act
    const result = probeBinary(bytes.slice(0, cut), bytes.length);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: cut });
  });

  it('gives no identity for a DOS header shorter than 64 bytes', () => {
    // Prepare
    const bytes = readFixture('hello-windows-amd64.exe').slice(0, 60);

    // Act
    const result = probeBinary(bytes, bytes.length);

    // Assess
    expect(result).toEqual({ type: 'none' });
  });
});
