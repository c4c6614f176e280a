/**
 * Access to the committed native-binary fixtures (test/fixtures/binaries)
 * and a stand-in for the layer walker's streaming: sniff, ask how many head
 * bytes are wanted, probe only those.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import {
  headBytesWanted,
  probeBinary,
  SNIFF_BYTES,
} from '../../lib/engine/binary/probe.js';
import type { ProbeResult } from '../../lib/engine/binary/types.js';

const OUT = fileURLToPath(
  new URL('../fixtures/binaries/out/', import.meta.url)
);

/** Expected probe result of one fixture, as written by build.sh. */
export type ExpectedProbe =
  | {
      readonly type: 'binary';
      readonly format: 'elf' | 'macho' | 'pe';
      readonly os: string;
      readonly architecture: string;
      readonly kind: string;
      readonly bits: 32 | 64;
      readonly endian: 'little' | 'big';
      readonly variant?: string;
      readonly floatAbi?: 'hard' | 'soft';
      readonly interpreter?: string;
      readonly isaLevel?: number;
      readonly slices?: readonly string[];
    }
  | { readonly type: 'neutral'; readonly format: string };

/** One manifest.json entry. */
export interface FixtureEntry {
  readonly name: string;
  readonly expected: ExpectedProbe;
}

/** Every fixture listed in manifest.json. */
export function loadManifest(): readonly FixtureEntry[] {
  const text = readFileSync(`${OUT}manifest.json`, 'utf8');
  return (JSON.parse(text) as { fixtures: FixtureEntry[] }).fixtures;
}

/** Names of the files actually present next to the manifest. */
export function fixtureFiles(): readonly string[] {
  return readdirSync(OUT).filter((name) => name !== 'manifest.json');
}

/** A fixture's bytes. */
export function readFixture(name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${OUT}${name}`));
}

/** What the streaming caller did with one file. */
export interface StreamedProbe {
  readonly wanted: number;
  /** Undefined when nothing was wanted and the probe was not called. */
  readonly result: ProbeResult | undefined;
}

/**
 * Probes a file the way the layer walker does: only the first
 * SNIFF_BYTES decide how many bytes are kept, and the probe gets a copy of
 * exactly those, so it cannot peek further.
 */
export function probeStreamed(bytes: Uint8Array): StreamedProbe {
  const first = bytes.slice(0, SNIFF_BYTES);
  const wanted = headBytesWanted(first, bytes.length);
  if (wanted === 0) return { wanted, result: undefined };
  return { wanted, result: probeBinary(bytes.slice(0, wanted), bytes.length) };
}
