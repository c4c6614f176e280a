/**
 * The layer cache on disk: facts written whole and read back, and writes
 * of the same layer by scans running side by side (archscan serve).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileLayerCache } from '../../../../lib/adapters/local/file-layer-cache.js';
import type { LayerFacts } from '../../../../lib/engine/layer/facts.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

const facts: LayerFacts = {
  digest: DIGEST,
  entries: [],
  whiteouts: ['etc/old'],
  opaqueDirs: [],
  warnings: [],
  bytesInflated: 1024,
};

let dir: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'archscan-layer-cache-'));
});

afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileLayerCache', () => {
  it('reads back the facts it stored, per scanner version', async () => {
    const cache = new FileLayerCache(dir);
    await cache.put(facts, 'v1');
    expect(await cache.get(DIGEST, 'v1')).toEqual(facts);
    expect(await cache.get(DIGEST, 'v2')).toBeUndefined();
  });

  it('stores one layer from many scans at once without failing any', async () => {
    // Act: writes in the same millisecond once shared a temporary name
    const cache = new FileLayerCache(dir);
    const results = await Promise.allSettled(
      Array.from({ length: 20 }, () => cache.put(facts, 'v1'))
    );
    // Assess
    expect(results.filter((r) => r.status === 'rejected')).toEqual([]);
    expect(await cache.get(DIGEST, 'v1')).toEqual(facts);
  });

  it('takes a file that does not read back for a miss', async () => {
    const cache = new FileLayerCache(dir);
    await cache.put(facts, 'v1');
    await writeFile(
      join(dir, 'v1', 'sha256', `${'ab'.repeat(32)}.json.gz`),
      'not gzip'
    );
    expect(await cache.get(DIGEST, 'v1')).toBeUndefined();
  });
});
