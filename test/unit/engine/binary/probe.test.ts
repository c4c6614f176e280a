import { describe, expect, it } from 'vitest';
import {
  headBytesWanted,
  MAX_HEAD_BYTES,
  probeBinary,
  SNIFF_BYTES,
} from '../../../../lib/engine/binary/probe.js';
import type { ProbeResult } from '../../../../lib/engine/binary/types.js';
import {
  type ExpectedProbe,
  fixtureFiles,
  loadManifest,
  probeStreamed,
  readFixture,
} from '../../../support/binary-fixtures.js';

/** The identity fields the manifest states; absent ones must stay absent. */
const IDENTITY_FIELDS = [
  'format',
  'os',
  'architecture',
  'kind',
  'bits',
  'endian',
  'variant',
  'floatAbi',
  'interpreter',
  'isaLevel',
  'slices',
] as const;

function observed(result: ProbeResult | undefined): Record<string, unknown> {
  if (result?.type === 'binary') {
    const fields: Record<string, unknown> = { type: 'binary' };
    for (const key of IDENTITY_FIELDS) {
      const value = result.identity[key];
      if (value !== undefined) fields[key] = value;
    }
    return fields;
  }
  return { ...result };
}

const manifest = loadManifest();

describe('probeBinary on the committed fixtures', () => {
  it('has a manifest entry for every fixture file', () => {
    // Prepare
    const listed = manifest.map((entry) => entry.name).sort();

    // Act
    const present = [...fixtureFiles()].sort();

    // Assess
    expect(listed).toEqual(present);
  });

  it.each(manifest)('identifies $name from a streamed head', (entry) => {
    // Prepare
    const bytes = readFixture(entry.name);

    // Act
    const { wanted, result } = probeStreamed(bytes);

    // Assess
    expect(wanted).toBeLessThanOrEqual(Math.min(bytes.length, MAX_HEAD_BYTES));
    expect(observed(result)).toEqual(entry.expected satisfies ExpectedProbe);
  });

  it.each(manifest.filter((entry) => entry.expected.type === 'binary'))(
    'gives the same answer for $name from the whole file',
    (entry) => {
      // Prepare
      const bytes = readFixture(entry.name);

      // Act
      const whole = probeBinary(bytes, bytes.length);

      // Assess
      expect(whole).toEqual(probeStreamed(bytes).result);
    }
  );

  it('asks for at most SNIFF_BYTES to recognise a java class', () => {
    // Prepare
    const bytes = readFixture('Hello.class');

    // Act
    const wanted = headBytesWanted(
      bytes.subarray(0, SNIFF_BYTES),
      bytes.length
    );

    // Assess
    expect(wanted).toBe(SNIFF_BYTES);
  });
});

const encoder = new TextEncoder();
const bytesOf = (text: string): Uint8Array => encoder.encode(text);
const hex = (...values: number[]): Uint8Array => Uint8Array.from(values);

describe('headBytesWanted', () => {
  it.each([
    {
      name: 'elf, large file',
      first: hex(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0),
      size: 10_000_000,
      wanted: MAX_HEAD_BYTES,
    },
    {
      name: 'elf, small file',
      first: hex(0x7f, 0x45, 0x4c, 0x46, 2, 1, 1, 0),
      size: 5000,
      wanted: 5000,
    },
    { name: 'script', first: bytesOf('#!/bin/s'), size: 9000, wanted: 256 },
    { name: 'short script', first: bytesOf('#!/bin/s'), size: 12, wanted: 12 },
    {
      name: 'thin mach-o',
      first: hex(0xcf, 0xfa, 0xed, 0xfe, 7, 0, 0, 1),
      size: 9000,
      wanted: 32,
    },
    {
      name: 'java class',
      first: hex(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 61),
      size: 900,
      wanted: 8,
    },
    {
      name: 'fat mach-o',
      first: hex(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 2),
      size: 900_000,
      wanted: MAX_HEAD_BYTES,
    },
    {
      name: 'fat with a version-sized count',
      first: hex(0xca, 0xfe, 0xba, 0xbe, 0, 0, 0, 30),
      size: 900,
      wanted: 0,
    },
    {
      name: 'pe',
      first: bytesOf('MZ\x90\x00\x03\x00\x00\x00'),
      size: 90_000,
      wanted: 4352,
    },
    {
      name: 'wasm',
      first: hex(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
      size: 9000,
      wanted: 8,
    },
    {
      name: 'gzip',
      first: hex(0x1f, 0x8b, 8, 0, 0, 0, 0, 0),
      size: 9000,
      wanted: 8,
    },
    { name: 'text', first: bytesOf('hello wo'), size: 9000, wanted: 0 },
    { name: 'empty file', first: hex(), size: 0, wanted: 0 },
    {
      name: 'nonsense size',
      first: bytesOf('#!/bin/s'),
      size: Number.NaN,
      wanted: 0,
    },
  ])('$name → $wanted', ({ first, size, wanted }) => {
    // Prepare: the first bytes and size above

    // Act
    const result = headBytesWanted(first, size);

    // Assess
    expect(result).toBe(wanted);
  });
});

describe('probeBinary on architecture-neutral and unknown formats', () => {
  it.each([
    {
      name: 'wasm module',
      head: hex(0, 0x61, 0x73, 0x6d, 1, 0, 0, 0),
      expected: { type: 'neutral', format: 'wasm' },
    },
    {
      name: 'wasm of another version',
      head: hex(0, 0x61, 0x73, 0x6d, 0x0d, 0, 1, 0),
      expected: { type: 'none' },
    },
    {
      name: 'ar archive',
      head: bytesOf('!<arch>\nfoo'),
      expected: { type: 'neutral', format: 'ar' },
    },
    {
      name: 'gzip',
      head: hex(0x1f, 0x8b, 8, 0),
      expected: { type: 'neutral', format: 'compressed' },
    },
    {
      name: 'zstd',
      head: hex(0x28, 0xb5, 0x2f, 0xfd, 0),
      expected: { type: 'neutral', format: 'compressed' },
    },
    {
      name: 'plain text',
      head: bytesOf('just text'),
      expected: { type: 'none' },
    },
    { name: 'empty', head: hex(), expected: { type: 'none' } },
    {
      name: 'MZ text that is no PE',
      head: bytesOf(`MZ${'\0'.repeat(62)}and more`),
      expected: { type: 'none' },
    },
  ])('$name', ({ head, expected }) => {
    // Prepare: the head above

    // Act
    const result = probeBinary(head, head.length);

    // Assess
    expect(result).toEqual(expected);
  });
});
