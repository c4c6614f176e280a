import { describe, expect, it } from 'vitest';
import { elfArchitecture } from '../../../../lib/engine/binary/elf-machine.js';
import { probeBinary } from '../../../../lib/engine/binary/probe.js';
import type {
  BinaryIdentity,
  ProbeResult,
} from '../../../../lib/engine/binary/types.js';
import { readFixture } from '../../../support/binary-fixtures.js';

/** A copy of a fixture with some header fields rewritten. */
function patched(
  name: string,
  edit: (view: DataView, bytes: Uint8Array) => void
): Uint8Array {
  const bytes = readFixture(name);
  edit(new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength), bytes);
  return bytes;
}

function identityOf(result: ProbeResult): BinaryIdentity {
  if (result.type !== 'binary') {
    throw new TypeError(`expected a binary, got ${JSON.stringify(result)}`);
  }
  return result.identity;
}

const probe = (bytes: Uint8Array, size = bytes.length) =>
  probeBinary(bytes, size);

/** File offset of the first program header of `type` in an ELF64 LE file. */
function programHeader64(bytes: Uint8Array, type: number): number {
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const phoff = Number(view.getBigUint64(32, true));
  const count = view.getUint16(56, true);
  for (let i = 0; i < count; i++) {
    const at = phoff + i * view.getUint16(54, true);
    if (view.getUint32(at, true) === type) return at;
  }
  throw new RangeError(`no program header of type ${type}`);
}

const PT_INTERP = 3;
const GNU_PROPERTY_X86_ISA_1_NEEDED = 0xc0008002;

describe('elfArchitecture', () => {
  const le64 = { bits: 64, littleEndian: true } as const;
  const be64 = { bits: 64, littleEndian: false } as const;
  const le32 = { bits: 32, littleEndian: true } as const;
  const be32 = { bits: 32, littleEndian: false } as const;

  it.each([
    { machine: 62, cls: le64, flags: 0, arch: 'amd64' },
    { machine: 62, cls: le32, flags: 0, arch: 'x32' },
    { machine: 3, cls: le32, flags: 0, arch: '386' },
    { machine: 183, cls: le64, flags: 0, arch: 'arm64' },
    { machine: 183, cls: be64, flags: 0, arch: 'arm64be' },
    { machine: 183, cls: le32, flags: 0, arch: 'unknown' },
    { machine: 40, cls: le32, flags: 0x05000400, arch: 'arm' },
    { machine: 40, cls: be32, flags: 0, arch: 'armbe' },
    { machine: 21, cls: le64, flags: 2, arch: 'ppc64le' },
    { machine: 21, cls: be64, flags: 1, arch: 'ppc64' },
    { machine: 20, cls: be32, flags: 0, arch: 'ppc' },
    { machine: 22, cls: be64, flags: 0, arch: 's390x' },
    { machine: 22, cls: be32, flags: 0, arch: 's390' },
    { machine: 243, cls: le64, flags: 5, arch: 'riscv64' },
    { machine: 243, cls: le32, flags: 0, arch: 'riscv' },
    { machine: 8, cls: be32, flags: 0x1000, arch: 'mips' },
    { machine: 8, cls: le32, flags: 0x1000, arch: 'mipsle' },
    { machine: 8, cls: be32, flags: 0x20, arch: 'mips64p32' },
    { machine: 8, cls: le32, flags: 0x20, arch: 'mips64p32le' },
    { machine: 8, cls: be64, flags: 0, arch: 'mips64' },
    { machine: 8, cls: le64, flags: 0, arch: 'mips64le' },
    { machine: 10, cls: le32, flags: 0, arch: 'unknown' },
    { machine: 258, cls: le64, flags: 3, arch: 'loong64' },
    { machine: 43, cls: be64, flags: 0, arch: 'sparc64' },
    { machine: 2, cls: be32, flags: 0, arch: 'sparc' },
    { machine: 18, cls: be32, flags: 0, arch: 'sparc' },
    { machine: 50, cls: le64, flags: 0, arch: 'unknown' },
    { machine: 247, cls: le64, flags: 0, arch: 'bpf' },
    { machine: 62, cls: be64, flags: 0, arch: 'unknown' },
    { machine: 3, cls: le64, flags: 0, arch: 'unknown' },
    { machine: 22, cls: le64, flags: 0, arch: 'unknown' },
  ])(
    'machine $machine, $cls.bits-bit, le=$cls.littleEndian → $arch',
    ({ machine, cls, flags, arch }) => {
      // Prepare: the machine, class and flags above

      // Act
      const result = elfArchitecture(machine, cls, flags);

      // Assess
      expect(result).toBe(arch);
    }
  );
});

describe('ELF identification errors', () => {
  it.each([
    { field: 'class', offset: 4, value: 3 },
    { field: 'data encoding', offset: 5, value: 0 },
    { field: 'version', offset: 6, value: 2 },
  ])('rejects an invalid $field', ({ offset, value }) => {
    // Prepare
    const bytes = patched('hello-amd64', (view) =>
      view.setUint8(offset, value)
    );

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset });
  });

  it('rejects EM_NONE', () => {
    // Prepare
    const bytes = patched('hello-amd64', (view) => view.setUint16(18, 0, true));

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 18 });
  });

  it('reports an unknown machine with its number', () => {
    // Prepare
    const bytes = patched('hello-amd64', (view) =>
      view.setUint16(18, 0x1234, true)
    );

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity).toMatchObject({
      architecture: 'unknown',
      machine: 0x1234,
    });
  });

  it('marks eBPF objects', () => {
    // Prepare
    const bytes = patched('addon-amd64.so', (view) =>
      view.setUint16(18, 247, true)
    );

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity).toMatchObject({ architecture: 'bpf', bpf: true });
  });
});

describe('ELF type and OS', () => {
  it.each([
    { type: 1, kind: 'object' },
    { type: 2, kind: 'executable' },
    { type: 4, kind: 'other' },
    { type: 0xfe00, kind: 'other' },
  ])('e_type $type → $kind', ({ type, kind }) => {
    // Prepare
    const bytes = patched('hello-amd64', (view) =>
      view.setUint16(16, type, true)
    );

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.kind).toBe(kind);
  });

  it.each([
    { osabi: 0, os: 'linux' },
    { osabi: 3, os: 'linux' },
    { osabi: 9, os: 'freebsd' },
    { osabi: 6, os: 'solaris' },
    { osabi: 97, os: 'unknown' },
  ])('EI_OSABI $osabi without an ABI tag → $os', ({ osabi, os }) => {
    // Prepare: the shared library carries no NT_GNU_ABI_TAG note
    const bytes = patched('addon-amd64.so', (view) => view.setUint8(7, osabi));

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.os).toBe(os);
  });

  it('lets the NT_GNU_ABI_TAG note override EI_OSABI', () => {
    // Prepare: hello-amd64 has an ABI tag saying Linux
    const bytes = patched('hello-amd64', (view) => view.setUint8(7, 9));

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.os).toBe('linux');
  });
});

describe('hostile ELF program header fields', () => {
  it('rejects a program header table past the end of the file', () => {
    // Prepare
    const bytes = patched('hello-amd64', (view) =>
      view.setBigUint64(32, 1n << 40n, true)
    );

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 32 });
  });

  it('rejects an e_phnum whose table would run past the file', () => {
    // Prepare
    const bytes = patched('hello-amd64', (view) =>
      view.setUint16(56, 0xfffe, true)
    );

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 32 });
  });

  it('rejects program header entries smaller than the format allows', () => {
    // Prepare
    const bytes = patched('hello-amd64', (view) => view.setUint16(54, 8, true));

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 54 });
  });

  it('skips the program headers when e_phnum is PN_XNUM', () => {
    // Prepare
    const bytes = patched('hello-amd64', (view) =>
      view.setUint16(56, 0xffff, true)
    );

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.architecture).toBe('amd64');
    expect(identity.interpreter).toBeUndefined();
  });

  it('rejects a PT_INTERP that points past the end of the file', () => {
    // Prepare
    const bytes = readFixture('hello-amd64');
    const interp = programHeader64(bytes, PT_INTERP);
    new DataView(bytes.buffer).setBigUint64(interp + 8, 1n << 50n, true);

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: interp + 8 });
  });

  it('keeps PT_INTERP out of the identity when it lies beyond the head', () => {
    // Prepare: the head stops right before the loader path
    const bytes = readFixture('hello-amd64');
    const path = Buffer.from(bytes).indexOf('/lib64/ld-linux-x86-64.so.2');

    // Act
    const identity = identityOf(probe(bytes.slice(0, path), bytes.length));

    // Assess
    expect(identity.kind).toBe('executable');
    expect(identity.interpreter).toBeUndefined();
  });
});

describe('truncated ELF heads', () => {
  it.each([
    { cut: 3, expected: { type: 'none' } },
    { cut: 10, expected: { type: 'malformed', offset: 10 } },
    { cut: 40, expected: { type: 'malformed', offset: 40 } },
  ])('a $cut-byte head of a large file', ({ cut, expected }) => {
    // Prepare
    const bytes = readFixture('hello-arm64');

    // Act
    const result = probe(bytes.slice(0, cut), bytes.length);

    // Assess
    expect(result).toMatchObject(expected);
  });

  it('gives the machine from the bare 64-byte header', () => {
    // Prepare
    const bytes = readFixture('hello-arm64');

    // Act
    const identity = identityOf(probe(bytes.slice(0, 64), bytes.length));

    // Assess
    expect(identity).toMatchObject({ architecture: 'arm64', bits: 64 });
    expect(identity.interpreter).toBeUndefined();
  });
});

describe('x86 ISA level', () => {
  /** Rewrites the ISA_1_NEEDED bitmask of a fixture. */
  function withIsaBits(name: string, bits: number): Uint8Array {
    return patched(name, (view, bytes) => {
      const tag = new Uint8Array(4);
      new DataView(tag.buffer).setUint32(
        0,
        GNU_PROPERTY_X86_ISA_1_NEEDED,
        true
      );
      const at = Buffer.from(bytes).indexOf(tag);
      view.setUint32(at + 8, bits, true);
    });
  }

  it.each([
    { bits: 0b1001, isaLevel: 4, variant: 'v4' },
    { bits: 0b0011, isaLevel: 2, variant: 'v2' },
    { bits: 0b0001, isaLevel: 1, variant: undefined },
    { bits: 0, isaLevel: undefined, variant: undefined },
    { bits: 0x10, isaLevel: undefined, variant: undefined },
  ])('needed bits $bits → level $isaLevel', ({ bits, isaLevel, variant }) => {
    // Prepare
    const bytes = withIsaBits('hello-amd64-v3', bits);

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.isaLevel).toBe(isaLevel);
    expect(identity.variant).toBe(variant);
  });
});

describe('ARM float ABI and variant', () => {
  it.each([
    { name: 'hello-armhf-v7', flags: 0x05000000, floatAbi: 'hard' },
    { name: 'hello-armel-v5', flags: 0x05000000, floatAbi: 'soft' },
    { name: 'hello-armel-v5', flags: 0x04000400, floatAbi: 'soft' },
    { name: 'hello-armhf-v7', flags: 0x05000200, floatAbi: 'soft' },
  ])('$name with e_flags $flags → $floatAbi', ({ name, flags, floatAbi }) => {
    // Prepare
    const bytes = patched(name, (view) => view.setUint32(36, flags, true));

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.floatAbi).toBe(floatAbi);
  });

  it('leaves the variant unknown when the attributes are beyond the head', () => {
    // Prepare
    const bytes = readFixture('hello-armhf-v7');

    // Act
    const identity = identityOf(probe(bytes.slice(0, 1024), bytes.length));

    // Assess
    expect(identity.variant).toBeUndefined();
    expect(identity.floatAbi).toBe('hard');
  });

  /**
   * Offsets in the armhf fixture's attributes: `Tag_CPU_name` (5) with its
   * string comes first, then `Tag_CPU_arch` (6) and its value.
   */
  function attributes(bytes: Uint8Array) {
    const file = Buffer.from(bytes);
    const cpuName = file.indexOf('aeabi\0') + 'aeabi\0'.length + 5;
    const cpuArch = file.indexOf(0, cpuName) + 1;
    return { cpuName, cpuArch };
  }

  it.each([
    { arch: 4, variant: 'v5' },
    { arch: 6, variant: 'v6' },
    { arch: 9, variant: 'v6' },
    { arch: 10, variant: 'v7' },
    { arch: 14, variant: 'v8' },
    { arch: 22, variant: 'v8' },
    { arch: 11, variant: undefined },
    { arch: 15, variant: undefined },
  ])('Tag_CPU_arch $arch → $variant', ({ arch, variant }) => {
    // Prepare
    const bytes = readFixture('hello-armhf-v7');
    const at = attributes(bytes);
    expect([
      bytes[at.cpuName],
      bytes[at.cpuArch],
      bytes[at.cpuArch + 1],
    ]).toEqual([5, 6, 10]);
    bytes[at.cpuArch + 1] = arch;

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.variant).toBe(variant);
  });

  it.each([
    { tag: 4, meaning: 'Tag_CPU_raw_name, a string' },
    { tag: 65, meaning: 'an unknown odd tag, a string' },
    { tag: 32, meaning: 'Tag_compatibility, a number then a string' },
    { tag: 66, meaning: 'an unknown even tag, a number' },
  ])('skips tag $tag ($meaning) before Tag_CPU_arch', ({ tag }) => {
    // Prepare
    const bytes = readFixture('hello-armhf-v7');
    bytes[attributes(bytes).cpuName] = tag;

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.variant).toBe('v7');
  });

  it('leaves the variant unknown when the attributes are damaged', () => {
    // Prepare: replace the 'aeabi' vendor name
    const bytes = readFixture('hello-armhf-v7');
    const vendor = Buffer.from(bytes).indexOf('aeabi\0');
    bytes[vendor] = 0x58;

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.variant).toBeUndefined();
    expect(identity.architecture).toBe('arm');
  });
});
