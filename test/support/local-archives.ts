/**
 * Writes the archive forms archscan reads, from the same declarative spec
 * as test/support/oci-image.ts, with real tar (tar-stream):
 * - an OCI archive: an image-spec `image-layout.md` layout inside a tar, as
 *   `docker buildx build --output type=oci,dest=…` writes it;
 * - `docker save` output in the classic form (`manifest.json`,
 *   `<hex>.json` configs, `<id>/layer.tar` uncompressed layers) and in the
 *   Docker 25+ form (an OCI layout plus `manifest.json`).
 */
import { createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import tarStream from 'tar-stream';
import {
  type Blob,
  buildImage,
  DOCKER,
  type LayoutSpec,
  OCI,
  sha256,
} from './oci-image.js';

/** One member of a tar written by {@link writeTar}. */
export interface TarEntry {
  name: string;
  content?: Uint8Array | string;
  type?: 'file' | 'directory' | 'symlink' | 'link';
  linkname?: string;
}

/** Writes a tar file (with the two end-of-archive zero blocks). */
export async function writeTar(
  file: string,
  entries: TarEntry[]
): Promise<void> {
  const pack = tarStream.pack();
  const written = pipeline(pack, createWriteStream(file));
  for (const entry of entries) {
    const type = entry.type ?? 'file';
    if (type === 'file') {
      const body = Buffer.from(
        typeof entry.content === 'string'
          ? entry.content
          : (entry.content ?? new Uint8Array())
      );
      await new Promise<void>((resolve, reject) =>
        pack.entry({ name: entry.name, size: body.length }, body, (error) =>
          error ? reject(error) : resolve()
        )
      );
    } else {
      pack.entry({ name: entry.name, type, linkname: entry.linkname ?? '' });
    }
  }
  pack.finalize();
  await written;
}

/** The image documents and blobs of a built spec. */
export type BuiltImage = Awaited<ReturnType<typeof buildImage>>;

/** Layout members: `oci-layout`, `index.json` (one entry per name), blobs. */
function layoutEntries(
  built: BuiltImage,
  index: { top: Blob; annotations: Record<string, string> }[]
): TarEntry[] {
  return [
    { name: 'oci-layout', content: '{"imageLayoutVersion":"1.0.0"}' },
    {
      name: 'index.json',
      content: JSON.stringify({
        schemaVersion: 2,
        mediaType: OCI.index,
        manifests: index.map(({ top, annotations }) => ({
          mediaType: top.mediaType,
          digest: top.digest,
          size: top.bytes.length,
          annotations,
        })),
      }),
    },
    { name: 'blobs/', type: 'directory' },
    { name: 'blobs/sha256/', type: 'directory' },
    ...[...built.blobs.values()].map((blob) => ({
      name: `blobs/sha256/${blob.digest.slice(7)}`,
      content: blob.bytes,
    })),
  ];
}

/** Writes an OCI archive whose index names the image `spec.tag` (`latest`). */
export async function writeOciArchive(
  file: string,
  spec: LayoutSpec
): Promise<BuiltImage & { tag: string }> {
  const built = await buildImage(spec);
  const tag = spec.tag ?? 'latest';
  const annotations = { 'org.opencontainers.image.ref.name': tag };
  await writeTar(file, layoutEntries(built, [{ top: built.top, annotations }]));
  return { ...built, tag };
}

/** One image of a `docker save`: its config, uncompressed layers and tags. */
export interface SavedImage {
  repoTags: string[];
  config: Blob;
  /** Uncompressed layer tars; their digests are the diff_ids. */
  layers: Blob[];
  /** The schema 2 manifest a classic archive is read as. */
  manifest: Blob;
}

/**
 * Writes `docker save` output for the spec's images (layers are stored
 * uncompressed, as Docker does), tagged `repoTags[i]`. `form` picks the
 * classic layout or the Docker 25+ one with an OCI layout inside.
 */
export async function writeDockerArchive(
  file: string,
  spec: LayoutSpec,
  repoTags: string[][],
  form: 'classic' | 'oci' = 'classic'
): Promise<{ images: SavedImage[]; built: BuiltImage }> {
  const built = await buildImage({
    ...spec,
    images: spec.images.map((image) => ({
      ...image,
      layers: image.layers.map((l) => ({ ...l, compression: 'none' })),
    })),
  });
  const images = built.manifests.map((digest, i) =>
    savedImage(built, digest, repoTags[i] ?? [])
  );
  const classic = images.map((image) => ({
    Config: `${image.config.digest.slice(7)}.json`,
    RepoTags: image.repoTags,
    Layers: image.layers.map((l) => `${l.digest.slice(7)}/layer.tar`),
  }));
  if (form === 'classic') {
    const members = new Map<string, TarEntry>();
    for (const image of images) {
      const config = `${image.config.digest.slice(7)}.json`;
      members.set(config, { name: config, content: image.config.bytes });
      for (const layer of image.layers) {
        const name = `${layer.digest.slice(7)}/layer.tar`;
        members.set(name, { name, content: layer.bytes });
      }
    }
    await writeTar(file, [
      { name: 'manifest.json', content: JSON.stringify(classic) },
      ...members.values(),
    ]);
    return { images, built };
  }
  const index = images.flatMap((image) =>
    image.repoTags.map((repoTag) => ({
      top: built.blobs.get(built.manifests[images.indexOf(image)]!)!,
      annotations: {
        'io.containerd.image.name': `docker.io/library/${repoTag}`,
        'org.opencontainers.image.ref.name': repoTag.split(':').pop()!,
      },
    }))
  );
  const modern = images.map((image) => ({
    Config: `blobs/sha256/${image.config.digest.slice(7)}`,
    RepoTags: image.repoTags,
    Layers: image.layers.map((l) => `blobs/sha256/${l.digest.slice(7)}`),
  }));
  await writeTar(file, [
    ...layoutEntries(built, index),
    { name: 'manifest.json', content: JSON.stringify(modern) },
  ]);
  return { images, built };
}

function savedImage(
  built: BuiltImage,
  manifestDigest: string,
  repoTags: string[]
): SavedImage {
  const document = JSON.parse(
    new TextDecoder().decode(built.blobs.get(manifestDigest)!.bytes)
  ) as { config: { digest: string }; layers: { digest: string }[] };
  const config = built.blobs.get(document.config.digest)!;
  const layers = document.layers.map((l) => built.blobs.get(l.digest)!);
  const manifest = new TextEncoder().encode(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: DOCKER.manifest,
      config: {
        mediaType: DOCKER.config,
        digest: config.digest,
        size: config.bytes.length,
      },
      layers: layers.map((l) => ({
        mediaType: OCI.layer,
        digest: l.digest,
        size: l.bytes.length,
      })),
    })
  );
  return {
    repoTags,
    config,
    layers,
    manifest: {
      digest: sha256(manifest),
      bytes: manifest,
      mediaType: DOCKER.manifest,
    },
  };
}
