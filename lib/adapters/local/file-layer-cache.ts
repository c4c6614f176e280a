/**
 * `LayerCache` in a local directory (the CLI's default,
 * `$XDG_CACHE_HOME/archscan` or `~/.cache/archscan`): one gzipped JSON file
 * per layer under `<scanner version>/<algorithm>/<hex>.json.gz`, written to a
 * temporary name and renamed so a crash never leaves half a file. A file
 * that does not read back is treated as a miss, never as facts.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { gunzip, gzip } from 'node:zlib';
import { parseDigest } from '../../engine/digest/digest.js';
import type { LayerFacts } from '../../engine/layer/facts.js';
import type { LayerCache } from '../../ports/layer-cache.js';

const gzipAsync = promisify(gzip);
const gunzipAsync = promisify(gunzip);

/** The default cache directory, following the XDG base-directory convention. */
export function defaultCacheDir(
  env: Readonly<Record<string, string | undefined>>
): string {
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'archscan');
}

export class FileLayerCache implements LayerCache {
  constructor(private readonly dir: string) {}

  async get(
    digest: string,
    scannerVersion: string
  ): Promise<LayerFacts | undefined> {
    try {
      const bytes = await readFile(this.pathFor(digest, scannerVersion));
      const facts = JSON.parse(
        (await gunzipAsync(bytes)).toString('utf8')
      ) as LayerFacts;
      return facts.digest === digest && Array.isArray(facts.entries)
        ? facts
        : undefined;
    } catch {
      // Missing, unreadable or corrupt: scan the layer again.
      return undefined;
    }
  }

  async put(facts: LayerFacts, scannerVersion: string): Promise<void> {
    const path = this.pathFor(facts.digest, scannerVersion);
    await mkdir(join(path, '..'), { recursive: true });
    // Unique per write: two scans of one process may store the same layer
    // in the same millisecond (archscan serve runs scans side by side).
    const temporary = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    await writeFile(temporary, await gzipAsync(JSON.stringify(facts)));
    await rename(temporary, path);
  }

  private pathFor(digest: string, scannerVersion: string): string {
    const { algorithm, hex } = parseDigest(digest);
    return join(
      this.dir,
      encodeURIComponent(scannerVersion),
      algorithm,
      `${hex}.json.gz`
    );
  }
}
