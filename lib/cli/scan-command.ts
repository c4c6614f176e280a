/**
 * `archscan scan REF`: scan one image and print the report as a table,
 * JSON (DESIGN.md's report, exactly) or SARIF; exit 0 when it passes, 1 on
 * findings at or above `--fail-on`, 2 when the scan could not be done.
 */
import {
  defaultCacheDir,
  FileLayerCache,
} from '../adapters/local/file-layer-cache.js';
import type { ScanReport } from '../engine/findings/report.js';
import { DEFAULT_LAYER_LIMITS } from '../engine/layer/scan-layer.js';
import type { Platform } from '../engine/platform/platform.js';
import { parseReference } from '../engine/reference/reference.js';
import { scanImage } from '../usecases/scan-image.js';
import { formatSarif } from './format-sarif.js';
import { formatTable } from './format-table.js';
import { type CliIo, ExitCode } from './io.js';
import { openSource } from './open-source.js';
import { TerminalProgress } from './progress.js';

export type OutputFormat = 'table' | 'json' | 'sarif';
export type FailOn = 'error' | 'warning' | 'never';

export interface ScanCommandOptions {
  readonly platform?: Platform[];
  readonly format: OutputFormat;
  readonly failOn: FailOn;
  readonly concurrency: number;
  readonly cache: boolean;
  readonly cacheDir?: string;
  readonly insecure: boolean;
  readonly maxLayerBytes?: number;
  readonly maxInflateRatio?: number;
}

/** Runs a scan and prints it; returns the exit code. */
export async function scanCommand(
  reference: string,
  options: ScanCommandOptions,
  io: CliIo,
  version: string
): Promise<number> {
  const ref = parseReference(reference);
  const { registry, target } = await openSource(ref, {
    insecure: options.insecure,
    env: io.env,
  });
  const cache = options.cache
    ? new FileLayerCache(options.cacheDir ?? defaultCacheDir(io.env))
    : undefined;
  const progress =
    io.stderr.isTTY && options.format === 'table'
      ? new TerminalProgress(io.stderr)
      : undefined;
  let report: ScanReport;
  try {
    report = await scanImage(
      target,
      {
        registry,
        ...(cache ? { cache } : {}),
        ...(progress ? { progress } : {}),
      },
      {
        concurrency: options.concurrency,
        ...(options.platform ? { expectedPlatforms: options.platform } : {}),
        ...(io.signal ? { signal: io.signal } : {}),
        limits: {
          ...DEFAULT_LAYER_LIMITS,
          ...(options.maxLayerBytes
            ? { maxLayerBytes: options.maxLayerBytes }
            : {}),
          ...(options.maxInflateRatio
            ? { maxInflateRatio: options.maxInflateRatio }
            : {}),
        },
      }
    );
  } finally {
    progress?.clear();
  }
  io.stdout.write(render(report, options.format, version));
  if (report.status === 'error') {
    io.stderr.write(
      `archscan: ${report.error?.message ?? 'the scan failed'}\n`
    );
    return ExitCode.error;
  }
  return exitCodeFor(report, options.failOn);
}

function render(
  report: ScanReport,
  format: OutputFormat,
  version: string
): string {
  if (format === 'json') return `${JSON.stringify(report, null, 2)}\n`;
  if (format === 'sarif') return formatSarif(report, version);
  return formatTable(report);
}

/** 1 when a finding reaches the threshold, else 0. */
export function exitCodeFor(report: ScanReport, failOn: FailOn): number {
  if (failOn === 'never') return ExitCode.ok;
  const hit = report.findings.some(
    (f) => failOn === 'warning' || f.severity === 'error'
  );
  return hit ? ExitCode.findings : ExitCode.ok;
}
