/**
 * Scanning one image reference end to end (DESIGN.md §What it does): resolve
 * the reference, list the platform images, check each config against its
 * index entry, stream every layer once (or take its facts from the cache),
 * apply the layers, resolve the entrypoint, judge every binary, and write
 * the report. A scan that cannot finish is reported as `error`, never `pass`.
 */
import { toScannerError, UnsupportedMediaTypeError } from '../engine/errors.js';
import { judgePlatforms } from '../engine/findings/judge-platforms.js';
import {
  type Finding,
  type PlatformReport,
  REPORT_SCHEMA_VERSION,
  type ScanReport,
  type ScanStatus,
  type SkippedEntry,
} from '../engine/findings/report.js';
import {
  DEFAULT_LAYER_LIMITS,
  type LayerLimits,
} from '../engine/layer/scan-layer.js';
import { Limiter } from '../engine/limiter.js';
import { formatPlatform, type Platform } from '../engine/platform/platform.js';
import { SCANNER_VERSION } from '../engine/version.js';
import type { LayerCache } from '../ports/layer-cache.js';
import type { ScanProgress } from '../ports/progress.js';
import type { Registry } from '../ports/registry.js';
import { fetchDocument } from './fetch-image.js';
import { LayerSource } from './layer-source.js';
import { type ImageEntry, listImages } from './list-images.js';
import { type PlatformResult, scanPlatform } from './scan-platform.js';

/** What to scan: a display name and where the registry finds it. */
export interface ScanTarget {
  /** The reference as the user gave it, for the report. */
  readonly reference: string;
  readonly repository: string;
  /** Tag or digest; empty selects the only image of a local source. */
  readonly tagOrDigest: string;
}

export interface ScanImageDeps {
  readonly registry: Registry;
  readonly cache?: LayerCache;
  readonly progress?: ScanProgress;
  readonly now?: () => Date;
}

export interface ScanImageOptions {
  /** Platforms the image must provide; default: the ones it declares. */
  readonly expectedPlatforms?: readonly Platform[];
  /** Layers streamed at once across all platforms (default {@link DEFAULT_CONCURRENCY}). */
  readonly concurrency?: number;
  readonly signal?: AbortSignal;
  readonly limits?: LayerLimits;
  readonly scannerVersion?: string;
}

/**
 * Inflating is CPU-bound: one layer per core keeps every core busy, and on
 * a 2-core machine a third stream measured about 10% slower. Front ends
 * pass the core count; this is the floor.
 */
export const DEFAULT_CONCURRENCY = 2;

/**
 * Scans an image and returns its report; never throws for a scan failure.
 *
 * @example
 * const report = await scanImage(
 *   { reference: 'ghcr.io/o/app:1.0', repository: 'o/app', tagOrDigest: '1.0' },
 *   { registry: new HttpRegistry({ registry: 'ghcr.io' }) },
 *   { expectedPlatforms: parsePlatformList('linux/amd64,linux/arm64') }
 * );
 */
export async function scanImage(
  target: ScanTarget,
  deps: ScanImageDeps,
  options: ScanImageOptions = {}
): Promise<ScanReport> {
  const now = deps.now ?? (() => new Date());
  const started = now();
  const controller = linkedController(options.signal);
  const layers = new LayerSource({
    registry: deps.registry,
    repository: target.repository,
    limiter: new Limiter(
      Math.max(1, options.concurrency ?? DEFAULT_CONCURRENCY)
    ),
    limits: options.limits ?? DEFAULT_LAYER_LIMITS,
    scannerVersion: options.scannerVersion ?? SCANNER_VERSION,
    ...(deps.cache ? { cache: deps.cache } : {}),
    ...(deps.progress ? { progress: deps.progress } : {}),
    signal: controller.signal,
  });
  const state = {
    digest: null as string | null,
    mediaType: null as string | null,
    platforms: [] as PlatformReport[],
    skipped: [] as SkippedEntry[],
    findings: [] as Finding[],
    warnings: [] as string[],
    expected: (options.expectedPlatforms ?? []).map(formatPlatform),
  };
  const finish = (
    status: ScanStatus,
    error?: { code: string; message: string }
  ): ScanReport => ({
    schemaVersion: REPORT_SCHEMA_VERSION,
    reference: target.reference,
    digest: state.digest,
    mediaType: state.mediaType,
    scannedAt: started.toISOString(),
    status,
    expectedPlatforms: state.expected,
    platforms: state.platforms,
    skipped: state.skipped,
    findings: state.findings,
    warnings: state.warnings,
    stats: {
      bytesDownloaded: layers.bytesDownloaded,
      bytesInflated: layers.bytesInflated,
      durationMs: now().getTime() - started.getTime(),
    },
    ...(error ? { error } : {}),
  });
  try {
    const top = await fetchDocument(
      deps.registry,
      target.repository,
      target.tagOrDigest,
      options.signal
    );
    layers.bytesDownloaded += top.size;
    state.digest = top.digest;
    state.mediaType = top.mediaType;
    const list = await listImages(
      deps.registry,
      target.repository,
      top,
      options.signal
    );
    state.skipped.push(...list.skipped);
    const results = await scanAll(list.images, layers, controller);
    const present: Platform[] = [];
    for (const result of results) {
      if (result.skipped) {
        state.skipped.push(result.skipped);
        continue;
      }
      present.push(result.platform);
      state.platforms.push(result.report);
      state.findings.push(...result.findings);
      state.warnings.push(...result.warnings);
    }
    if (present.length === 0) {
      throw new UnsupportedMediaTypeError(
        state.mediaType ?? 'unknown',
        `${target.reference} has no runnable image to scan (only ${state.skipped.map((s) => s.reason).join(', ') || 'nothing'})`
      );
    }
    const expected = options.expectedPlatforms ?? present;
    state.expected = expected.map(formatPlatform);
    state.findings.unshift(
      ...judgePlatforms(expected, present, top.document.kind === 'manifest')
    );
    const failed = state.findings.some((f) => f.severity === 'error');
    return finish(failed ? 'fail' : 'pass');
  } catch (error) {
    const failure = toScannerError(error);
    return finish('error', { code: failure.code, message: failure.message });
  }
}

/**
 * Scans every platform image; on the first failure the others are aborted
 * through `controller` (their downloads stop) and that first failure is
 * thrown once all have settled.
 */
async function scanAll(
  images: readonly ImageEntry[],
  layers: LayerSource,
  controller: AbortController
): Promise<PlatformResult[]> {
  let first: { error: unknown } | undefined;
  const settled = await Promise.allSettled(
    images.map((image) =>
      scanPlatform(image.descriptor, layers, controller.signal).catch(
        (error: unknown) => {
          first ??= { error };
          controller.abort(error);
          throw error;
        }
      )
    )
  );
  if (first) throw first.error;
  return settled.map(
    (s) => (s as PromiseFulfilledResult<PlatformResult>).value
  );
}

/** An AbortController that also aborts when `parent` does. */
function linkedController(parent: AbortSignal | undefined): AbortController {
  const controller = new AbortController();
  if (parent?.aborted) controller.abort(parent.reason);
  parent?.addEventListener('abort', () => controller.abort(parent.reason), {
    once: true,
  });
  return controller;
}
