import { describe, expect, it } from 'vitest';
import type { ElfNoteFacts } from '../../../../lib/engine/binary/elf-notes.js';
import { readNotes } from '../../../../lib/engine/binary/elf-notes.js';
import { ByteReader } from '../../../../lib/engine/binary/reader.js';

const NT_GNU_BUILD_ID = 3;
const NT_GNU_PROPERTY_TYPE_0 = 5;
const NT_GNU_ABI_TAG = 1;
const ISA_1_NEEDED = 0xc0008002;
const ISA_1_USED = 0xc0010002;

const padTo = (length: number, align: number) =>
  Math.ceil(length / align) * align;

/** Encodes one note the way the gABI lays it out, padded to `align`. */
function note(
  owner: string,
  type: number,
  desc: Uint8Array,
  align: number
): Uint8Array {
  const name = new TextEncoder().encode(`${owner}\0`);
  const descAt = padTo(12 + name.length, align);
  const out = new Uint8Array(padTo(descAt + desc.length, align));
  const view = new DataView(out.buffer);
  view.setUint32(0, name.length, true);
  view.setUint32(4, desc.length, true);
  view.setUint32(8, type, true);
  out.set(name, 12);
  out.set(desc, descAt);
  return out;
}

/** A GNU property array with one 4-byte property, padded for ELF64. */
function property(type: number, value: number): Uint8Array {
  const out = new Uint8Array(16);
  const view = new DataView(out.buffer);
  view.setUint32(0, type, true);
  view.setUint32(4, 4, true);
  view.setUint32(8, value, true);
  return out;
}

function words(...values: number[]): Uint8Array {
  const out = new Uint8Array(values.length * 4);
  values.forEach((value, i) => {
    new DataView(out.buffer).setUint32(i * 4, value, true);
  });
  return out;
}

function concat(...parts: Uint8Array[]): Uint8Array {
  const out = new Uint8Array(parts.reduce((sum, part) => sum + part.length, 0));
  let at = 0;
  for (const part of parts) {
    out.set(part, at);
    at += part.length;
  }
  return out;
}

function read(segment: Uint8Array, align: number, size = segment.length) {
  const facts: ElfNoteFacts = {};
  readNotes(
    new ByteReader(segment, true),
    { offset: 0, size, align },
    64,
    facts
  );
  return facts;
}

describe('readNotes', () => {
  it('pads by the segment alignment when a descriptor is not a multiple of 8', () => {
    // Prepare: a 20-byte build id, then the property note, in an 8-aligned segment
    const segment = concat(
      note('GNU', NT_GNU_BUILD_ID, new Uint8Array(20).fill(0xab), 8),
      note('GNU', NT_GNU_PROPERTY_TYPE_0, property(ISA_1_NEEDED, 0b11), 8)
    );

    // Act
    const facts = read(segment, 8);

    // Assess
    expect(facts).toEqual({ isaLevel: 2 });
  });

  it('reads the needed level after other properties', () => {
    // Prepare
    const properties = concat(
      property(ISA_1_USED, 0b1111),
      property(ISA_1_NEEDED, 0b101)
    );
    const segment = note('GNU', NT_GNU_PROPERTY_TYPE_0, properties, 8);

    // Act
    const facts = read(segment, 8);

    // Assess
    expect(facts).toEqual({ isaLevel: 3 });
  });

  it.each([
    { os: 0, expected: 'linux' },
    { os: 1, expected: 'hurd' },
    { os: 2, expected: 'solaris' },
    { os: 3, expected: 'freebsd' },
    { os: 9, expected: 'unknown' },
  ])('ABI tag OS $os → $expected', ({ os, expected }) => {
    // Prepare
    const segment = note('GNU', NT_GNU_ABI_TAG, words(os, 3, 2, 0), 4);

    // Act
    const facts = read(segment, 4);

    // Assess
    expect(facts).toEqual({ abiOs: expected });
  });

  it('ignores notes of other owners', () => {
    // Prepare
    const segment = note('FDO', NT_GNU_ABI_TAG, words(3, 0, 0, 0), 4);

    // Act
    const facts = read(segment, 4);

    // Assess
    expect(facts).toEqual({});
  });

  it('stops at a note whose descriptor runs past the segment', () => {
    // Prepare
    const segment = note('GNU', NT_GNU_ABI_TAG, words(3, 0, 0, 0), 4);
    new DataView(segment.buffer).setUint32(4, 0xfffffff0, true);

    // Act
    const facts = read(segment, 4);

    // Assess
    expect(facts).toEqual({});
  });

  it('stops at a property whose data runs past the note', () => {
    // Prepare
    const broken = property(ISA_1_NEEDED, 0b1111);
    new DataView(broken.buffer).setUint32(4, 64, true);
    const segment = note('GNU', NT_GNU_PROPERTY_TYPE_0, broken, 8);

    // Act
    const facts = read(segment, 8);

    // Assess
    expect(facts).toEqual({});
  });
});
