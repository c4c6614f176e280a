/**
 * Where a scan gets layer facts: the cache when this scanner version has
 * seen the layer, otherwise one streamed pass over the blob, bounded by the
 * shared limiter. Each layer is read at most once per scan, even when
 * several platforms share it, and counted for the report's stats.
 */
import type { LayerFacts } from '../engine/layer/facts.js';
import { type LayerLimits, scanLayer } from '../engine/layer/scan-layer.js';
import type { Limiter } from '../engine/limiter.js';
import type { Descriptor } from '../engine/manifest/manifest.js';
import type { LayerCache } from '../ports/layer-cache.js';
import type { ScanProgress } from '../ports/progress.js';
import type { Registry } from '../ports/registry.js';

export interface LayerSourceOptions {
  readonly registry: Registry;
  readonly repository: string;
  readonly limiter: Limiter;
  readonly limits: LayerLimits;
  readonly scannerVersion: string;
  readonly cache?: LayerCache;
  readonly progress?: ScanProgress;
  readonly signal?: AbortSignal;
}

export interface LayerResult {
  readonly facts: LayerFacts;
  readonly fromCache: boolean;
}

export class LayerSource {
  bytesDownloaded = 0;
  bytesInflated = 0;
  private readonly memo = new Map<string, Promise<LayerResult>>();

  constructor(private readonly options: LayerSourceOptions) {}

  /** The facts of one layer. */
  facts(descriptor: Descriptor): Promise<LayerResult> {
    let pending = this.memo.get(descriptor.digest);
    if (!pending) {
      pending = this.load(descriptor);
      this.memo.set(descriptor.digest, pending);
    }
    return pending;
  }

  /** Counts bytes of documents fetched outside layers (manifests, configs). */
  addDownloaded(bytes: number): void {
    this.bytesDownloaded += bytes;
  }

  get registry(): Registry {
    return this.options.registry;
  }

  get repository(): string {
    return this.options.repository;
  }

  private async load(descriptor: Descriptor): Promise<LayerResult> {
    const { cache, scannerVersion, progress } = this.options;
    const cached = await cache?.get(descriptor.digest, scannerVersion);
    if (cached) {
      progress?.layerDone?.(descriptor.digest, true);
      return { facts: cached, fromCache: true };
    }
    const facts = await this.options.limiter.run(() => this.stream(descriptor));
    await cache?.put(facts, scannerVersion);
    progress?.layerDone?.(descriptor.digest, false);
    return { facts, fromCache: false };
  }

  private async stream(descriptor: Descriptor): Promise<LayerFacts> {
    const { registry, repository, progress, signal, limits } = this.options;
    progress?.layerStart?.(descriptor.digest, descriptor.size);
    const blob = registry.getBlob(repository, descriptor, {
      ...(signal ? { signal } : {}),
      onProgress: (bytes) => progress?.layerBytes?.(descriptor.digest, bytes),
    });
    const self = this;
    async function* count(): AsyncGenerator<Uint8Array> {
      for await (const chunk of blob) {
        self.bytesDownloaded += chunk.length;
        yield chunk;
      }
    }
    const facts = await scanLayer(count(), descriptor, {
      limits,
      ...(signal ? { signal } : {}),
    });
    this.bytesInflated += facts.bytesInflated;
    return facts;
  }
}
