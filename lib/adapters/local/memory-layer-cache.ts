/**
 * `LayerCache` in process memory, bounded by entry count (oldest evicted
 * first). For tests and for long-running local services.
 */
import type { LayerFacts } from '../../engine/layer/facts.js';
import type { LayerCache } from '../../ports/layer-cache.js';

export class MemoryLayerCache implements LayerCache {
  private readonly entries = new Map<string, LayerFacts>();

  /** @param maxEntries layers kept; 1,000 layers of facts fit in a few hundred MB at worst. */
  constructor(private readonly maxEntries = 1000) {}

  async get(
    digest: string,
    scannerVersion: string
  ): Promise<LayerFacts | undefined> {
    return this.entries.get(`${scannerVersion} ${digest}`);
  }

  async put(facts: LayerFacts, scannerVersion: string): Promise<void> {
    const key = `${scannerVersion} ${facts.digest}`;
    this.entries.delete(key);
    this.entries.set(key, facts);
    if (this.entries.size > this.maxEntries) {
      const oldest = this.entries.keys().next().value;
      if (oldest !== undefined) this.entries.delete(oldest);
    }
  }

  get size(): number {
    return this.entries.size;
  }
}
