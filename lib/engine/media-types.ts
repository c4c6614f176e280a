/**
 * Media types archscan reads, in one place (like go-containerregistry's
 * `pkg/v1/types`). See OCI image-spec `media-types.md` and Distribution
 * `manifest-v2-2.md`.
 */

export const MediaType = {
  ociIndex: 'application/vnd.oci.image.index.v1+json',
  ociManifest: 'application/vnd.oci.image.manifest.v1+json',
  ociConfig: 'application/vnd.oci.image.config.v1+json',
  ociLayer: 'application/vnd.oci.image.layer.v1.tar',
  ociLayerGzip: 'application/vnd.oci.image.layer.v1.tar+gzip',
  ociLayerZstd: 'application/vnd.oci.image.layer.v1.tar+zstd',
  ociLayerNondistributable:
    'application/vnd.oci.image.layer.nondistributable.v1.tar',
  ociLayerNondistributableGzip:
    'application/vnd.oci.image.layer.nondistributable.v1.tar+gzip',
  ociLayerNondistributableZstd:
    'application/vnd.oci.image.layer.nondistributable.v1.tar+zstd',
  ociEmpty: 'application/vnd.oci.empty.v1+json',
  dockerManifestList:
    'application/vnd.docker.distribution.manifest.list.v2+json',
  dockerManifest: 'application/vnd.docker.distribution.manifest.v2+json',
  dockerConfig: 'application/vnd.docker.container.image.v1+json',
  dockerLayerGzip: 'application/vnd.docker.image.rootfs.diff.tar.gzip',
  dockerForeignLayerGzip:
    'application/vnd.docker.image.rootfs.foreign.diff.tar.gzip',
  dockerSchema1: 'application/vnd.docker.distribution.manifest.v1+json',
  dockerSchema1Signed:
    'application/vnd.docker.distribution.manifest.v1+prettyjws',
} as const;

/** Index and manifest-list types. */
export const INDEX_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociIndex,
  MediaType.dockerManifestList,
]);

/** Single-image manifest types. */
export const MANIFEST_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociManifest,
  MediaType.dockerManifest,
]);

/** Legacy schema 1 types: recognised only to refuse them clearly. */
export const SCHEMA1_TYPES: ReadonlySet<string> = new Set([
  MediaType.dockerSchema1,
  MediaType.dockerSchema1Signed,
]);

/** Config types that mark a runnable container image. */
export const IMAGE_CONFIG_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociConfig,
  MediaType.dockerConfig,
]);

/** Layer types whose content is a (possibly compressed) tar. */
export const LAYER_TYPES: ReadonlySet<string> = new Set([
  MediaType.ociLayer,
  MediaType.ociLayerGzip,
  MediaType.ociLayerZstd,
  MediaType.ociLayerNondistributable,
  MediaType.ociLayerNondistributableGzip,
  MediaType.ociLayerNondistributableZstd,
  MediaType.dockerLayerGzip,
  MediaType.dockerForeignLayerGzip,
]);

/**
 * True for layer types whose content is a tar, compressed or not: the known
 * OCI and Docker types, and any other `…tar`, `…tar+gzip`, `…tar+zstd` or
 * `…tar.gzip` type (BuildKit writes `application/vnd.docker.image.rootfs.diff.tar`).
 * Compression itself is read from the magic bytes, never from the type.
 */
export function isTarLayer(mediaType: string): boolean {
  if (LAYER_TYPES.has(mediaType)) return true;
  return (
    /[.+/]tar(?:[.+](?:gzip|gz|zstd))?$/.test(mediaType) &&
    !mediaType.includes('encrypted')
  );
}

/**
 * The `Accept` header for manifest requests: every type archscan parses,
 * indexes first, so registries never downgrade a multi-arch image to one
 * platform (Distribution `content-negotiation.md`). Schema 1 is listed last
 * only so it can be refused with a clear message.
 */
export const MANIFEST_ACCEPT = [
  MediaType.ociIndex,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.dockerManifest,
  `${MediaType.dockerSchema1Signed};q=0.1`,
  `${MediaType.dockerSchema1};q=0.1`,
].join(', ');
