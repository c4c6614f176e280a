/**
 * `DockerArchiveRegistry`: the `Registry` port over `docker save` output
 * (`docker-archive:FILE[:REF]`). Two forms exist (moby
 * `image/tarexport`):
 *
 * - Docker 25 and later write an OCI image layout (image-spec
 *   `image-layout.md`) inside the tar, next to the legacy `manifest.json`;
 *   it is read like an `oci-archive:`.
 * - Earlier versions write only `manifest.json`:
 *   `[{"Config":"<hex>.json","RepoTags":["repo:tag"],"Layers":["<id>/layer.tar"]}]`,
 *   with each config and each uncompressed layer tar as a member. There is
 *   no manifest, so one is synthesized: a Docker schema 2 manifest whose
 *   config descriptor is the config member and whose layer descriptors use
 *   the config's `rootfs.diff_ids` as digests, because an uncompressed
 *   layer's digest is its diff_id.
 *
 * Either way the archive is indexed once and blobs are read as byte ranges.
 */
import { z } from 'zod';
import { digestOf, parseDigest } from '../../engine/digest/digest.js';
import {
  ConfigError,
  FormatError,
  LimitExceededError,
  RegistryError,
} from '../../engine/errors.js';
import {
  type Descriptor,
  MAX_CONFIG_BYTES,
  MAX_MANIFEST_BYTES,
  parseConfig,
} from '../../engine/manifest/manifest.js';
import { MediaType } from '../../engine/media-types.js';
import type {
  BlobOptions,
  FetchOptions,
  ManifestResponse,
  Registry,
} from '../../ports/registry.js';
import { readRange, streamRange } from './file-range.js';
import {
  type ImageSource,
  LayoutReader,
  looksLikeDigest,
} from './layout-reader.js';
import { type Candidate, selectImage } from './select-image.js';
import { TarIndex, type TarMember, tarFiles } from './tar-index.js';

/** `manifest.json` of a classic `docker save`. */
const saveManifestSchema = z.array(
  z.object({
    Config: z.string(),
    RepoTags: z.array(z.string()).nullish(),
    Layers: z.array(z.string()),
  })
);

/** A `docker save` archive, served as a registry. */
export class DockerArchiveRegistry implements Registry {
  private constructor(
    readonly name: string,
    private readonly images: ImageSource
  ) {}

  /**
   * Indexes the archive at `file` and reads its image list.
   *
   * @example
   * const registry = await DockerArchiveRegistry.open('app.tar');
   * const top = await registry.getManifest('', 'app:1.0');
   * @throws ConfigError when the file is missing, compressed or not
   *   `docker save` output; FormatError when it is malformed or truncated.
   */
  static async open(file: string): Promise<DockerArchiveRegistry> {
    const name = `docker-archive:${file}`;
    const tar = await TarIndex.open(file);
    if (tar.find('oci-layout') && tar.find('index.json')) {
      const layout = await LayoutReader.open(tarFiles(tar), name, '');
      return new DockerArchiveRegistry(name, layout);
    }
    if (!tar.find('manifest.json')) {
      throw new ConfigError(
        `${file} is not docker save output (it has neither manifest.json nor index.json): write one with "docker save -o ${file} IMAGE", or use oci-archive:${file} for an OCI archive`
      );
    }
    return new DockerArchiveRegistry(
      name,
      await ClassicArchive.open(tar, name)
    );
  }

  /** Fetches a manifest by `repo:tag`, tag, digest, or `''` for the only image. */
  getManifest(
    _repository: string,
    reference: string,
    options?: FetchOptions
  ): Promise<ManifestResponse> {
    return this.images.getManifest(reference, options);
  }

  /** Streams a config or layer member in 1 MiB chunks. */
  getBlob(
    _repository: string,
    descriptor: Descriptor,
    options?: BlobOptions
  ): AsyncIterable<Uint8Array> {
    return this.images.getBlob(descriptor, options);
  }
}

/** A synthesized manifest and its digest. */
interface Synthesized {
  readonly digest: string;
  readonly bytes: Uint8Array;
}

/** The classic (pre-OCI) `docker save` form. */
class ClassicArchive implements ImageSource {
  private constructor(
    private readonly source: string,
    private readonly candidates: readonly Candidate<Synthesized>[],
    private readonly blobs: ReadonlyMap<string, TarMember>
  ) {}

  /** Reads `manifest.json` and every config; synthesizes the manifests. */
  static async open(tar: TarIndex, source: string): Promise<ClassicArchive> {
    const list = tar.find('manifest.json');
    if (!list) throw missing(source, 'manifest.json');
    const entries = parseSaveManifest(
      await readMember(list, MAX_MANIFEST_BYTES, source),
      source
    );
    const blobs = new Map<string, TarMember>();
    const candidates: Candidate<Synthesized>[] = [];
    for (const entry of entries) {
      const config = tar.find(entry.Config);
      if (!config) throw missing(source, entry.Config);
      const configBytes = await readMember(config, MAX_CONFIG_BYTES, source);
      const configDigest = digestOf(configBytes);
      const diffIds = diffIdsOf(configBytes, entry.Config, source);
      if (diffIds.length !== entry.Layers.length) {
        throw new FormatError(
          `${source}: ${entry.Config} lists ${diffIds.length} layers but manifest.json lists ${entry.Layers.length}; write the archive again`
        );
      }
      blobs.set(configDigest, config);
      const layers = entry.Layers.map((path, i) => {
        const member = tar.find(path);
        if (!member) throw missing(source, path);
        const digest = diffIds[i]!;
        blobs.set(digest, member);
        return { mediaType: MediaType.ociLayer, digest, size: member.size };
      });
      const bytes = new TextEncoder().encode(
        JSON.stringify({
          schemaVersion: 2,
          mediaType: MediaType.dockerManifest,
          config: {
            mediaType: MediaType.dockerConfig,
            digest: configDigest,
            size: config.size,
          },
          layers,
        })
      );
      const digest = digestOf(bytes);
      const names = entry.RepoTags ?? [];
      candidates.push({ names, id: digest, value: { digest, bytes } });
    }
    return new ClassicArchive(source, candidates, blobs);
  }

  async getManifest(
    reference: string,
    options: FetchOptions = {}
  ): Promise<ManifestResponse> {
    options.signal?.throwIfAborted();
    const image = looksLikeDigest(reference)
      ? this.byDigest(reference)
      : selectImage(this.candidates, reference, this.source).value;
    return {
      bytes: image.bytes,
      mediaType: MediaType.dockerManifest,
      digest: image.digest,
    };
  }

  async *getBlob(
    descriptor: Descriptor,
    options: BlobOptions = {}
  ): AsyncGenerator<Uint8Array> {
    parseDigest(descriptor.digest);
    const member = this.blobs.get(descriptor.digest);
    if (!member) throw notFound(this.source, descriptor.digest);
    yield* streamRange(member, options);
  }

  private byDigest(digest: string): Synthesized {
    parseDigest(digest);
    const match = this.candidates.find((c) => c.value.digest === digest);
    if (!match) throw notFound(this.source, digest);
    return match.value;
  }
}

function parseSaveManifest(bytes: Uint8Array, source: string) {
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder().decode(bytes));
  } catch (error) {
    throw new FormatError(
      `${source} manifest.json is not valid JSON: ${(error as Error).message}`
    );
  }
  const result = saveManifestSchema.safeParse(body);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new FormatError(
      `${source} manifest.json is malformed: ${issue?.path.join('.') || '(top level)'}: ${issue?.message ?? 'invalid'}`
    );
  }
  return result.data;
}

function diffIdsOf(bytes: Uint8Array, path: string, source: string): string[] {
  let diffIds: string[] | undefined;
  try {
    diffIds = parseConfig(bytes).rootfs?.diff_ids;
  } catch (error) {
    throw new FormatError(
      `${source} ${path}: ${(error as Error).message}`,
      undefined,
      undefined,
      { cause: error }
    );
  }
  if (!diffIds) {
    throw new FormatError(`${source} ${path} has no rootfs.diff_ids`);
  }
  for (const id of diffIds) parseDigest(id);
  return diffIds;
}

async function readMember(
  member: TarMember,
  limit: number,
  source: string
): Promise<Uint8Array> {
  if (member.size > limit) {
    throw new LimitExceededError(
      'document-size',
      `${source} ${member.name} is ${member.size} bytes, over the ${limit}-byte limit`
    );
  }
  return readRange(member);
}

function missing(source: string, path: string): FormatError {
  return new FormatError(
    `${source} is incomplete: it has no ${path}; write it again with docker save`
  );
}

function notFound(source: string, digest: string): RegistryError {
  return new RegistryError(`blob ${digest} is not in ${source}`, {
    code: 'not-found',
  });
}
