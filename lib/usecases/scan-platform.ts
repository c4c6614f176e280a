/**
 * Scanning one platform image of an index: its manifest and config, its
 * layers (facts), the merged filesystem, the entrypoint, and the judgement
 * of its config and binaries against the platform the index entry declares.
 */

import { UnsupportedMediaTypeError } from '../engine/errors.js';
import { resolveEntrypoint } from '../engine/filesystem/entrypoint.js';
import { FileTree } from '../engine/filesystem/tree.js';
import { judgeBinaries } from '../engine/findings/judge-binaries.js';
import { judgeConfig } from '../engine/findings/judge-platforms.js';
import type {
  Finding,
  PlatformReport,
  SkippedEntry,
} from '../engine/findings/report.js';
import type { Descriptor, ImageConfig } from '../engine/manifest/manifest.js';
import { IMAGE_CONFIG_TYPES, isTarLayer } from '../engine/media-types.js';
import {
  formatPlatform,
  normalizePlatform,
  type Platform,
} from '../engine/platform/platform.js';
import { fetchConfig, fetchDocument } from './fetch-image.js';
import type { LayerSource } from './layer-source.js';

export type PlatformResult =
  | { readonly skipped: SkippedEntry }
  | {
      readonly skipped?: undefined;
      readonly platform: Platform;
      readonly report: PlatformReport;
      readonly findings: Finding[];
      readonly warnings: string[];
    };

/** Scans the image manifest `descriptor` names. */
export async function scanPlatform(
  descriptor: Descriptor,
  layers: LayerSource,
  signal?: AbortSignal
): Promise<PlatformResult> {
  const { registry, repository } = layers;
  const fetched = await fetchDocument(
    registry,
    repository,
    descriptor.digest,
    signal,
    descriptor
  );
  layers.addDownloaded(fetched.size);
  const manifest = fetched.document;
  if (manifest.kind !== 'manifest') {
    return {
      skipped: {
        digest: descriptor.digest,
        mediaType: fetched.mediaType,
        reason: 'an index where an image manifest was expected',
      },
    };
  }
  if (
    manifest.artifactType ||
    !IMAGE_CONFIG_TYPES.has(manifest.config.mediaType)
  ) {
    const type = manifest.artifactType ?? manifest.config.mediaType;
    return {
      skipped: {
        digest: descriptor.digest,
        mediaType: fetched.mediaType,
        reason: `artifact of type ${type}`,
      },
    };
  }
  const config = await fetchConfig(
    registry,
    repository,
    manifest.config,
    signal
  );
  layers.addDownloaded(manifest.config.size);
  const configPlatform = normalizePlatform(config);
  if (
    configPlatform.os === 'unknown' &&
    configPlatform.architecture === 'unknown'
  ) {
    return {
      skipped: {
        digest: descriptor.digest,
        mediaType: fetched.mediaType,
        reason: 'attestation manifest',
      },
    };
  }
  const platform = descriptor.platform
    ? normalizePlatform(descriptor.platform)
    : configPlatform;
  const warnings: string[] = [];
  // A layer archscan cannot read hides part of the filesystem: the image
  // cannot be judged, so the scan ends as error rather than pass.
  const unreadable = manifest.layers.find(
    (layer) => !isTarLayer(layer.mediaType)
  );
  if (unreadable) {
    throw new UnsupportedMediaTypeError(
      unreadable.mediaType,
      `${formatPlatform(platform)}: layer ${unreadable.digest} has media type ${JSON.stringify(unreadable.mediaType)}, which is not a (compressed) tar: the image cannot be judged without it`
    );
  }
  const tarLayers = manifest.layers;
  const results = await Promise.all(
    tarLayers.map((layer) => layers.facts(layer))
  );
  const tree = new FileTree();
  results.forEach((result, index) => {
    tree.apply(result.facts, index);
    warnings.push(
      ...result.facts.warnings.map((w) => `layer ${result.facts.digest}: ${w}`)
    );
  });
  warnings.push(...tree.warnings);
  return judge(
    platform,
    configPlatform,
    config,
    tree,
    descriptor,
    tarLayers,
    results,
    warnings
  );
}

function judge(
  platform: Platform,
  configPlatform: Platform,
  config: ImageConfig,
  tree: FileTree,
  descriptor: Descriptor,
  tarLayers: Descriptor[],
  results: { fromCache: boolean }[],
  warnings: string[]
): PlatformResult {
  const entrypoint = resolveEntrypoint(tree, config);
  const judged = judgeBinaries(tree, platform, entrypoint.chain);
  const findings: Finding[] = [];
  const mismatch = judgeConfig(platform, configPlatform);
  if (mismatch) findings.push(mismatch);
  findings.push(...judged.findings);
  const report: PlatformReport = {
    platform: formatPlatform(platform),
    manifestDigest: descriptor.digest,
    config: {
      os: config.os,
      architecture: config.architecture,
      ...(config.variant ? { variant: config.variant } : {}),
    },
    entrypoint: {
      command: entrypoint.command,
      resolvedPath: entrypoint.resolvedPath,
    },
    layers: tarLayers.map((layer, index) => ({
      digest: layer.digest,
      mediaType: layer.mediaType,
      size: layer.size,
      fromCache: results[index]?.fromCache ?? false,
    })),
    binaries: judged.binaries,
  };
  return {
    platform,
    report,
    findings,
    warnings: [...warnings, ...judged.warnings],
  };
}
