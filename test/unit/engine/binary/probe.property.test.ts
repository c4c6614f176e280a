import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  headBytesWanted,
  MAX_HEAD_BYTES,
  probeBinary,
  SNIFF_BYTES,
} from '../../../../lib/engine/binary/probe.js';
import type { ProbeResult } from '../../../../lib/engine/binary/types.js';
import {
  fixtureFiles,
  loadManifest,
  readFixture,
} from '../../../support/binary-fixtures.js';

const FORMATS = new Set(['elf', 'macho', 'pe']);
const KINDS = new Set(['executable', 'library', 'object', 'other']);
const NEUTRAL = new Set(['java-class', 'wasm', 'ar', 'compressed']);

/** Every invariant a ProbeResult must hold, whatever the input. */
function expectValid(result: ProbeResult): void {
  switch (result.type) {
    case 'binary': {
      const id = result.identity;
      expect(FORMATS.has(id.format)).toBe(true);
      expect(KINDS.has(id.kind)).toBe(true);
      expect([32, 64]).toContain(id.bits);
      expect(['little', 'big']).toContain(id.endian);
      expect(id.architecture).toMatch(/^[a-z0-9]+$/);
      expect(id.os).toMatch(/^[a-z]+$/);
      expect(Number.isInteger(id.machine) && id.machine >= 0).toBe(true);
      if (id.isaLevel !== undefined)
        expect([1, 2, 3, 4]).toContain(id.isaLevel);
      if (id.interpreter !== undefined) {
        expect(id.interpreter.length).toBeGreaterThan(0);
        expect(id.interpreter.length).toBeLessThanOrEqual(4096);
      }
      return;
    }
    case 'script':
      expect(result.interpreter).toMatch(/^[^ \t]+$/);
      if (result.argument !== undefined) {
        expect(result.argument).toMatch(/^[^ \t].*[^ \t\r]$|^[^ \t\r]$/s);
      }
      return;
    case 'neutral':
      expect(NEUTRAL.has(result.format)).toBe(true);
      return;
    case 'malformed':
      expect(result.message).toMatch(/^[a-z]/);
      expect(result.message).not.toMatch(/unreadable header/);
      if (result.offset !== undefined) {
        expect(Number.isSafeInteger(result.offset) && result.offset >= 0).toBe(
          true
        );
      }
      return;
    case 'none':
      return;
  }
}

/** Prefixes that send random bytes deep into each reader. */
const MAGICS: readonly (readonly number[])[] = [
  [0x7f, 0x45, 0x4c, 0x46, 1, 1, 1],
  [0x7f, 0x45, 0x4c, 0x46, 2, 1, 1],
  [0x7f, 0x45, 0x4c, 0x46, 2, 2, 1],
  [0xca, 0xfe, 0xba, 0xbe, 0, 0, 0],
  [0xca, 0xfe, 0xba, 0xbf, 0, 0, 0],
  [0xcf, 0xfa, 0xed, 0xfe],
  [0xfe, 0xed, 0xfa, 0xce],
  [0x4d, 0x5a],
  [0x23, 0x21],
];

const fileSizeFor = (length: number) =>
  fc.oneof(
    fc.constant(length),
    fc.integer({ min: length, max: 2 ** 40 }),
    fc.constantFrom(Number.NaN, -1, Number.POSITIVE_INFINITY)
  );

describe('probeBinary on arbitrary input', () => {
  it('never throws on random bytes', () => {
    fc.assert(
      fc.property(
        fc
          .uint8Array({ maxLength: 512 })
          .chain((bytes) =>
            fc.tuple(fc.constant(bytes), fileSizeFor(bytes.length))
          ),
        ([bytes, size]) => {
          // Prepare: random bytes and a size

          // Act
          const result = probeBinary(bytes, size);

          // Assess
          expectValid(result);
        }
      )
    );
  });

  it('never throws on random bytes behind a known magic', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MAGICS),
        fc.uint8Array({ minLength: 0, maxLength: 2048 }),
        fc.integer({ min: 0, max: 2 ** 40 }),
        (magic, tail, extra) => {
          // Prepare
          const bytes = Uint8Array.from([...magic, ...tail]);

          // Act
          const result = probeBinary(bytes, bytes.length + extra);

          // Assess
          expectValid(result);
        }
      ),
      { numRuns: 2000 }
    );
  });

  it('never asks for more than the file or the cap', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...MAGICS, []),
        fc.uint8Array({ maxLength: 8 }),
        fc.oneof(fc.integer({ min: 0, max: 2 ** 40 }), fc.double()),
        (magic, tail, size) => {
          // Prepare
          const first = Uint8Array.from([...magic, ...tail]).slice(
            0,
            SNIFF_BYTES
          );

          // Act
          const wanted = headBytesWanted(first, size);

          // Assess
          expect(Number.isInteger(wanted) && wanted >= 0).toBe(true);
          expect(wanted).toBeLessThanOrEqual(
            Math.max(0, Math.min(Number.isNaN(size) ? 0 : size, MAX_HEAD_BYTES))
          );
        }
      )
    );
  });
});

const manifest = loadManifest();
const binaries = manifest.filter((entry) => entry.expected.type === 'binary');
const fixtures = fixtureFiles().map((name) => ({
  name,
  bytes: readFixture(name),
}));

describe('probeBinary on damaged fixtures', () => {
  it('never throws when fixture bytes are mutated or cut', () => {
    const damage = fc.record({
      fixture: fc.constantFrom(...fixtures),
      edits: fc.array(
        fc.tuple(fc.nat({ max: 4095 }), fc.integer({ min: 0, max: 255 })),
        { minLength: 1, maxLength: 16 }
      ),
      cut: fc.option(fc.nat({ max: MAX_HEAD_BYTES })),
    });
    fc.assert(
      fc.property(damage, ({ fixture, edits, cut }) => {
        // Prepare
        const bytes = fixture.bytes.slice(0, MAX_HEAD_BYTES);
        for (const [at, value] of edits) {
          if (at < bytes.length) bytes[at] = value;
        }
        const head = cut === null ? bytes : bytes.subarray(0, cut);

        // Act
        const result = probeBinary(head, fixture.bytes.length);

        // Assess
        expectValid(result);
      }),
      { numRuns: 3000 }
    );
  });

  it('reports the right machine, or malformed, from any truncated ELF head', () => {
    const elves = binaries.filter(
      (entry) =>
        entry.expected.type === 'binary' && entry.expected.format === 'elf'
    );
    fc.assert(
      fc.property(
        fc.constantFrom(...elves),
        fc.nat({ max: 4096 }),
        (entry, cut) => {
          // Prepare
          const bytes = readFixture(entry.name);
          const whole = probeBinary(bytes, bytes.length);

          // Act
          const result = probeBinary(bytes.slice(0, cut), bytes.length);

          // Assess
          expectValid(result);
          const headerSize = bytes[4] === 2 ? 64 : 52;
          if (cut < 4) {
            expect(result).toEqual({ type: 'none' });
          } else if (cut < headerSize) {
            expect(result.type).toBe('malformed');
          } else if (result.type === 'binary' && whole.type === 'binary') {
            expect(result.identity.architecture).toBe(
              whole.identity.architecture
            );
            expect(result.identity.bits).toBe(whole.identity.bits);
            expect(result.identity.os).toBe(whole.identity.os);
          } else {
            expect(result.type).toBe('binary');
          }
        }
      ),
      { numRuns: 1000 }
    );
  });

  it('never follows hostile program header fields', () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: 0n, max: 2n ** 64n - 1n }),
        fc.integer({ min: 0, max: 0xffff }),
        fc.integer({ min: 0, max: 0xffff }),
        (phoff, phentsize, phnum) => {
          // Prepare
          const bytes = readFixture('hello-amd64');
          const view = new DataView(bytes.buffer);
          view.setBigUint64(32, phoff, true);
          view.setUint16(54, phentsize, true);
          view.setUint16(56, phnum, true);

          // Act
          const result = probeBinary(bytes, bytes.length);

          // Assess
          expectValid(result);
          if (result.type === 'binary') {
            expect(result.identity.architecture).toBe('amd64');
          } else {
            expect(result.type).toBe('malformed');
          }
        }
      ),
      { numRuns: 2000 }
    );
  });

  it('never follows a hostile e_lfanew', () => {
    fc.assert(
      fc.property(fc.nat({ max: 0xffffffff }), (lfanew) => {
        // Prepare
        const bytes = readFixture('hello-windows-amd64.exe');
        new DataView(bytes.buffer).setUint32(0x3c, lfanew, true);
        const wanted = headBytesWanted(
          bytes.subarray(0, SNIFF_BYTES),
          bytes.length
        );

        // Act
        const result = probeBinary(bytes.slice(0, wanted), bytes.length);

        // Assess
        expectValid(result);
        if (lfanew > 4096) expect(result.type).toBe('malformed');
      })
    );
  });

  it('tells Java classes from fat binaries by the word after the magic', () => {
    fc.assert(
      fc.property(
        fc.nat({ max: 0xffff }),
        fc.integer({ min: 45, max: 0xffff }),
        (minor, major) => {
          // Prepare: a real class file with another version
          const bytes = readFixture('Hello.class');
          const view = new DataView(bytes.buffer);
          view.setUint16(4, minor);
          view.setUint16(6, major);

          // Act
          const result = probeBinary(bytes, bytes.length);

          // Assess
          expect(result).toEqual({ type: 'neutral', format: 'java-class' });
        }
      )
    );
  });
});
