import { describe, expect, it } from 'vitest';
import { classifyCafebabe } from '../../../../lib/engine/binary/macho.js';
import { probeBinary } from '../../../../lib/engine/binary/probe.js';
import type {
  BinaryIdentity,
  ProbeResult,
} from '../../../../lib/engine/binary/types.js';
import { readFixture } from '../../../support/binary-fixtures.js';

function identityOf(result: ProbeResult): BinaryIdentity {
  if (result.type !== 'binary') {
    throw new TypeError(`expected a binary, got ${JSON.stringify(result)}`);
  }
  return result.identity;
}

const probe = (bytes: Uint8Array, size = bytes.length) =>
  probeBinary(bytes, size);

const view = (bytes: Uint8Array) =>
  new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);

/** The universal fixture rewritten with a 64-bit fat header (fat_arch_64). */
function toFat64(fat: Uint8Array): Uint8Array {
  const source = view(fat);
  const count = source.getUint32(4);
  const copy = fat.slice();
  const target = view(copy);
  target.setUint32(0, 0xcafebabf);
  for (let i = 0; i < count; i++) {
    const from = 8 + i * 20;
    const to = 8 + i * 32;
    const [cputype, subtype, offset, size, align] = [0, 4, 8, 12, 16].map(
      (field) => source.getUint32(from + field)
    );
    target.setUint32(to, cputype ?? 0);
    target.setUint32(to + 4, subtype ?? 0);
    target.setBigUint64(to + 8, BigInt(offset ?? 0));
    target.setBigUint64(to + 16, BigInt(size ?? 0));
    target.setUint32(to + 24, align ?? 0);
    target.setUint32(to + 28, 0);
  }
  return copy;
}

describe('classifyCafebabe', () => {
  it.each([
    { word: 1, kind: 'fat' },
    { word: 19, kind: 'fat' },
    { word: 20, kind: 'none' },
    { word: 44, kind: 'none' },
    { word: 45, kind: 'java' },
    { word: 61, kind: 'java' },
    { word: 0x0003002d, kind: 'java' },
    { word: 0xffff0041, kind: 'java' },
  ])('word $word → $kind', ({ word, kind }) => {
    // Prepare: the word at offset 4 above

    // Act
    const result = classifyCafebabe(word);

    // Assess
    expect(result).toBe(kind);
  });
});

describe('Java class or universal binary', () => {
  it('treats a class file as java even though it starts 0xcafebabe', () => {
    // Prepare
    const bytes = readFixture('Hello.class');

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toEqual({ type: 'neutral', format: 'java-class' });
  });

  it('rejects a class file whose version reads as a slice count', () => {
    // Prepare: the class's constant pool then reads as nonsense slices
    const bytes = readFixture('Hello.class');
    view(bytes).setUint32(4, 2);

    // Act
    const result = probe(bytes);

    // Assess
    expect(result.type).toBe('malformed');
  });

  it('treats a universal binary with a version-sized count as java', () => {
    // Prepare
    const bytes = readFixture('hello-darwin-universal');
    view(bytes).setUint32(4, 61);

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toEqual({ type: 'neutral', format: 'java-class' });
  });
});

describe('universal Mach-O', () => {
  it('reads the 64-bit fat header the same way', () => {
    // Prepare
    const bytes = toFat64(readFixture('hello-darwin-universal'));

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity).toMatchObject({
      architecture: 'amd64',
      kind: 'executable',
      slices: ['amd64', 'arm64'],
    });
  });

  it('falls back to the slice table when the first slice is beyond the head', () => {
    // Prepare
    const bytes = readFixture('hello-darwin-universal');

    // Act
    const identity = identityOf(probe(bytes.slice(0, 64), bytes.length));

    // Assess
    expect(identity).toMatchObject({
      architecture: 'amd64',
      bits: 64,
      endian: 'little',
      kind: 'other',
      slices: ['amd64', 'arm64'],
    });
  });

  it('names an arm64e slice with its variant', () => {
    // Prepare: second slice's cpusubtype
    const bytes = readFixture('hello-darwin-universal');
    view(bytes).setUint32(8 + 20 + 4, 0x80000002);

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.slices).toEqual(['amd64', 'arm64/arm64e']);
  });

  it.each([
    { what: 'no slices', at: 4, value: 0, offset: 4 },
    { what: 'slice past the end', at: 16, value: 0xfffffff0, offset: 16 },
    { what: 'slice inside the table', at: 16, value: 4, offset: 16 },
    { what: 'slice size past the end', at: 20, value: 0x7fffffff, offset: 16 },
  ])('rejects $what', ({ at, value, offset }) => {
    // Prepare
    const bytes = readFixture('hello-darwin-universal');
    view(bytes).setUint32(at, value);

    // Act
    const result = probe(bytes);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset });
  });

  it('rejects a slice table cut off by the head', () => {
    // Prepare
    const bytes = readFixture('hello-darwin-universal');

    // Act
    const result = probe(bytes.slice(0, 20), bytes.length);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 20 });
  });
});

describe('thin Mach-O', () => {
  it('reads a big-endian header', () => {
    // Prepare: byte-swap every word of the 32-byte header
    const bytes = readFixture('hello-darwin-arm64');
    const header = view(bytes);
    for (let at = 0; at < 32; at += 4) {
      header.setUint32(at, header.getUint32(at, true), false);
    }

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity).toMatchObject({
      architecture: 'arm64',
      endian: 'big',
      bits: 64,
      kind: 'executable',
    });
  });

  it('keeps arm64 as the architecture of an arm64e binary', () => {
    // Prepare
    const bytes = readFixture('hello-darwin-arm64');
    view(bytes).setUint32(8, 0x80000002, true);

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity).toMatchObject({
      architecture: 'arm64',
      variant: 'arm64e',
    });
  });

  it.each([
    { cputype: 7, subtype: 3, architecture: '386', variant: undefined },
    { cputype: 12, subtype: 9, architecture: 'arm', variant: 'v7' },
    { cputype: 12, subtype: 6, architecture: 'arm', variant: 'v6' },
    { cputype: 18, subtype: 0, architecture: 'ppc', variant: undefined },
    {
      cputype: 0x0200000c,
      subtype: 0,
      architecture: 'unknown',
      variant: undefined,
    },
  ])(
    'cputype $cputype/$subtype → $architecture',
    ({ cputype, subtype, architecture, variant }) => {
      // Prepare
      const bytes = readFixture('hello-darwin-amd64');
      view(bytes).setUint32(4, cputype, true);
      view(bytes).setUint32(8, subtype, true);

      // Act
      const identity = identityOf(probe(bytes));

      // Assess
      expect(identity.architecture).toBe(architecture);
      expect(identity.variant).toBe(variant);
      expect(identity.machine).toBe(cputype);
    }
  );

  it.each([
    { filetype: 1, kind: 'object' },
    { filetype: 6, kind: 'library' },
    { filetype: 7, kind: 'other' },
  ])('filetype $filetype → $kind', ({ filetype, kind }) => {
    // Prepare
    const bytes = readFixture('hello-darwin-amd64');
    view(bytes).setUint32(12, filetype, true);

    // Act
    const identity = identityOf(probe(bytes));

    // Assess
    expect(identity.kind).toBe(kind);
  });

  it('rejects a header cut short', () => {
    // Prepare
    const bytes = readFixture('hello-darwin-amd64');

    // Act
    const result = probe(bytes.slice(0, 20), bytes.length);

    // Assess
    expect(result).toMatchObject({ type: 'malformed', offset: 20 });
  });
});
