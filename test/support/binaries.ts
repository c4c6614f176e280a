/**
 * Access to the committed native-binary fixtures (built from the project's
 * own sources by `test/fixtures/binaries/build.sh`).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';

const OUT = fileURLToPath(
  new URL('../fixtures/binaries/out/', import.meta.url)
);

/** The bytes of one fixture binary, e.g. `hello-arm64`. */
export function fixture(name: string): Buffer {
  return readFileSync(`${OUT}${name}`);
}
