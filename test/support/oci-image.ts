/**
 * Builds real OCI image layouts from a declarative spec, for tests, the demo
 * and the benchmark: real tar (tar-stream), real gzip (node:zlib) and real
 * zstd (the `zstd` command), real digests. Nothing here is hand-typed bytes.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import tarStream from 'tar-stream';

export const OCI = {
  index: 'application/vnd.oci.image.index.v1+json',
  manifest: 'application/vnd.oci.image.manifest.v1+json',
  config: 'application/vnd.oci.image.config.v1+json',
  layer: 'application/vnd.oci.image.layer.v1.tar',
  layerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  layerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
} as const;

export const DOCKER = {
  list: 'application/vnd.docker.distribution.manifest.list.v2+json',
  manifest: 'application/vnd.docker.distribution.manifest.v2+json',
  config: 'application/vnd.docker.container.image.v1+json',
  layerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
} as const;

/** One tar entry. */
export interface FileSpec {
  path: string;
  type?: 'file' | 'dir' | 'symlink' | 'hardlink';
  content?: Uint8Array | string;
  mode?: number;
  /** Symlink target, or hard link target path. */
  link?: string;
}

export interface LayerSpec {
  files: FileSpec[];
  compression?: 'gzip' | 'zstd' | 'none';
}

export interface PlatformSpec {
  os: string;
  architecture: string;
  variant?: string;
}

export interface ImageSpec {
  /** The platform the index entry declares. */
  platform: PlatformSpec;
  /** The platform the config claims (defaults to `platform`). */
  configPlatform?: PlatformSpec;
  layers: LayerSpec[];
  entrypoint?: string[];
  cmd?: string[];
  env?: string[];
  workingDir?: string;
}

export interface LayoutSpec {
  /** One image, or several under an index. */
  images: ImageSpec[];
  /** Wrap a single image in an index anyway. */
  forceIndex?: boolean;
  /** Add buildx-style attestation manifests to the index. */
  attestations?: boolean;
  /** Docker schema 2 media types (manifest list) instead of OCI. */
  docker?: boolean;
  tag?: string;
}

export interface Blob {
  digest: string;
  bytes: Uint8Array;
  mediaType: string;
}

export interface BuiltLayout {
  dir: string;
  tag: string;
  /** Top-level document (index or manifest). */
  top: Blob;
  /** Every blob written, by digest. */
  blobs: Map<string, Blob>;
  /** Image manifest digests, in spec order. */
  manifests: string[];
}

/** Makes a tar archive of the entries, in order. */
export async function makeTar(files: FileSpec[]): Promise<Uint8Array> {
  const pack = tarStream.pack();
  const chunks: Buffer[] = [];
  pack.on('data', (chunk: unknown) => chunks.push(chunk as Buffer));
  const done = new Promise<void>((resolve, reject) => {
    pack.on('end', resolve);
    pack.on('error', reject);
  });
  for (const file of files) {
    const name = file.path.replace(/^\/+/, '');
    const type = file.type ?? 'file';
    if (type === 'file') {
      const content = toBytes(file.content ?? '');
      pack.entry(
        { name, mode: file.mode ?? 0o755, size: content.length },
        Buffer.from(content)
      );
    } else if (type === 'dir') {
      pack.entry({ name, type: 'directory', mode: file.mode ?? 0o755 });
    } else if (type === 'symlink') {
      pack.entry({ name, type: 'symlink', linkname: file.link ?? '' });
    } else {
      pack.entry({
        name,
        type: 'link',
        linkname: (file.link ?? '').replace(/^\/+/, ''),
      });
    }
  }
  pack.finalize();
  await done;
  return new Uint8Array(Buffer.concat(chunks));
}

/** Compresses a tar with the named method. */
export function compress(
  tar: Uint8Array,
  method: 'gzip' | 'zstd' | 'none'
): Uint8Array {
  if (method === 'none') return tar;
  if (method === 'gzip') return new Uint8Array(gzipSync(tar));
  const result = spawnSync('zstd', ['-q', '-c', '-3'], {
    input: tar,
    maxBuffer: 1 << 30,
  });
  if (result.status !== 0) {
    throw new Error(
      `zstd failed (is the zstd package installed?): ${result.stderr}`
    );
  }
  return new Uint8Array(result.stdout);
}

export function sha256(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

function toBytes(content: Uint8Array | string): Uint8Array {
  return typeof content === 'string'
    ? new TextEncoder().encode(content)
    : content;
}

function json(value: unknown): Uint8Array {
  return new TextEncoder().encode(JSON.stringify(value));
}

/** Builds the image documents and blobs in memory. */
export async function buildImage(
  spec: LayoutSpec
): Promise<{ top: Blob; blobs: Map<string, Blob>; manifests: string[] }> {
  const blobs = new Map<string, Blob>();
  const add = (bytes: Uint8Array, mediaType: string): Blob => {
    const blob = { digest: sha256(bytes), bytes, mediaType };
    blobs.set(blob.digest, blob);
    return blob;
  };
  const types = spec.docker
    ? { index: DOCKER.list, manifest: DOCKER.manifest, config: DOCKER.config }
    : { index: OCI.index, manifest: OCI.manifest, config: OCI.config };
  const manifests: Blob[] = [];
  for (const image of spec.images) {
    const layers: {
      digest: string;
      size: number;
      mediaType: string;
      diffId: string;
    }[] = [];
    for (const layer of image.layers) {
      const tar = await makeTar(layer.files);
      const method = layer.compression ?? 'gzip';
      const mediaType = spec.docker
        ? DOCKER.layerGzip
        : method === 'gzip'
          ? OCI.layerGzip
          : method === 'zstd'
            ? OCI.layerZstd
            : OCI.layer;
      const blob = add(compress(tar, method), mediaType);
      layers.push({
        digest: blob.digest,
        size: blob.bytes.length,
        mediaType,
        diffId: sha256(tar),
      });
    }
    const claimed = image.configPlatform ?? image.platform;
    const config = add(
      json({
        architecture: claimed.architecture,
        os: claimed.os,
        ...(claimed.variant ? { variant: claimed.variant } : {}),
        config: {
          Env: image.env ?? [
            'PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin',
          ],
          ...(image.entrypoint ? { Entrypoint: image.entrypoint } : {}),
          ...(image.cmd ? { Cmd: image.cmd } : {}),
          ...(image.workingDir ? { WorkingDir: image.workingDir } : {}),
        },
        rootfs: { type: 'layers', diff_ids: layers.map((l) => l.diffId) },
      }),
      types.config
    );
    manifests.push(
      add(
        json({
          schemaVersion: 2,
          mediaType: types.manifest,
          config: {
            mediaType: types.config,
            digest: config.digest,
            size: config.bytes.length,
          },
          layers: layers.map((l) => ({
            mediaType: l.mediaType,
            digest: l.digest,
            size: l.size,
          })),
        }),
        types.manifest
      )
    );
  }
  const digests = manifests.map((m) => m.digest);
  if (manifests.length === 1 && !spec.forceIndex && !spec.attestations) {
    return { top: manifests[0]!, blobs, manifests: digests };
  }
  const entries: unknown[] = manifests.map((m, i) => ({
    mediaType: types.manifest,
    digest: m.digest,
    size: m.bytes.length,
    platform: platformObject(spec.images[i]!.platform),
  }));
  if (spec.attestations) {
    for (const m of manifests) entries.push(attestationEntry(add, m.digest));
  }
  const top = add(
    json({ schemaVersion: 2, mediaType: types.index, manifests: entries }),
    types.index
  );
  return { top, blobs, manifests: digests };
}

function platformObject(p: PlatformSpec): Record<string, string> {
  return {
    architecture: p.architecture,
    os: p.os,
    ...(p.variant ? { variant: p.variant } : {}),
  };
}

/** A buildx-style attestation manifest (in-toto layer, unknown/unknown platform). */
function attestationEntry(
  add: (bytes: Uint8Array, type: string) => Blob,
  subject: string
): unknown {
  const statement = add(
    json({
      _type: 'https://in-toto.io/Statement/v0.1',
      predicateType: 'https://slsa.dev/provenance/v0.2',
      subject: [],
      predicate: {},
    }),
    'application/vnd.in-toto+json'
  );
  const config = add(
    json({
      architecture: 'unknown',
      os: 'unknown',
      config: {},
      rootfs: { type: 'layers', diff_ids: [statement.digest] },
    }),
    OCI.config
  );
  const manifest = add(
    json({
      schemaVersion: 2,
      mediaType: OCI.manifest,
      config: {
        mediaType: OCI.config,
        digest: config.digest,
        size: config.bytes.length,
      },
      layers: [
        {
          mediaType: 'application/vnd.in-toto+json',
          digest: statement.digest,
          size: statement.bytes.length,
          annotations: {
            'in-toto.io/predicate-type': 'https://slsa.dev/provenance/v0.2',
          },
        },
      ],
    }),
    OCI.manifest
  );
  return {
    mediaType: OCI.manifest,
    digest: manifest.digest,
    size: manifest.bytes.length,
    platform: { architecture: 'unknown', os: 'unknown' },
    annotations: {
      'vnd.docker.reference.type': 'attestation-manifest',
      'vnd.docker.reference.digest': subject,
    },
  };
}

/** Writes an OCI image layout directory (image-spec `image-layout.md`). */
export async function writeLayout(
  dir: string,
  spec: LayoutSpec
): Promise<BuiltLayout> {
  const { top, blobs, manifests } = await buildImage(spec);
  const tag = spec.tag ?? 'latest';
  await mkdir(join(dir, 'blobs', 'sha256'), { recursive: true });
  for (const blob of blobs.values()) {
    await writeFile(
      join(dir, 'blobs', 'sha256', blob.digest.slice(7)),
      blob.bytes
    );
  }
  await writeFile(
    join(dir, 'oci-layout'),
    JSON.stringify({ imageLayoutVersion: '1.0.0' })
  );
  await writeFile(
    join(dir, 'index.json'),
    JSON.stringify({
      schemaVersion: 2,
      mediaType: OCI.index,
      manifests: [
        {
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.bytes.length,
          annotations: { 'org.opencontainers.image.ref.name': tag },
        },
      ],
    })
  );
  return { dir, tag, top, blobs, manifests };
}
