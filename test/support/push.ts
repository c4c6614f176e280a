/**
 * Pushes built images into a registry over the OCI distribution API
 * (monolithic blob uploads, manifests children first), so integration tests
 * and the benchmark can seed a real registry without any other tool.
 */
import type { Blob } from './oci-image.js';

export interface PushOptions {
  /** `http://127.0.0.1:5000` */
  baseUrl: string;
  repository: string;
  tag: string;
  /** Extra headers, e.g. an Authorization header for an auth-enabled registry. */
  headers?: Record<string, string>;
}

/** Pushes every blob and manifest, then the top document under the tag. */
export async function pushImage(
  image: { top: Blob; blobs: Map<string, Blob> },
  options: PushOptions
): Promise<void> {
  const documents = new Set([
    'application/vnd.oci.image.index.v1+json',
    'application/vnd.oci.image.manifest.v1+json',
    'application/vnd.docker.distribution.manifest.list.v2+json',
    'application/vnd.docker.distribution.manifest.v2+json',
  ]);
  const manifests: Blob[] = [];
  for (const blob of image.blobs.values()) {
    if (documents.has(blob.mediaType)) manifests.push(blob);
    else await pushBlob(blob, options);
  }
  // Image manifests before indexes: registries check that referenced manifests exist.
  const order = (b: Blob) =>
    b.mediaType.includes('index') || b.mediaType.includes('list') ? 1 : 0;
  manifests.sort((a, b) => order(a) - order(b));
  for (const manifest of manifests) {
    const reference = manifest === image.top ? options.tag : manifest.digest;
    await pushManifest(manifest, reference, options);
  }
  if (!manifests.includes(image.top))
    await pushManifest(image.top, options.tag, options);
}

export async function pushBlob(
  blob: Blob,
  options: PushOptions
): Promise<void> {
  const base = `${options.baseUrl}/v2/${options.repository}`;
  const head = await fetch(`${base}/blobs/${blob.digest}`, {
    method: 'HEAD',
    headers: options.headers,
  });
  if (head.ok) return;
  const start = await fetch(`${base}/blobs/uploads/`, {
    method: 'POST',
    headers: options.headers,
  });
  if (start.status !== 202)
    throw new Error(
      `upload start failed: ${start.status} ${await start.text()}`
    );
  const location = new URL(
    start.headers.get('location') ?? '',
    options.baseUrl
  );
  location.searchParams.set('digest', blob.digest);
  const put = await fetch(location, {
    method: 'PUT',
    headers: { ...options.headers, 'content-type': 'application/octet-stream' },
    body: blob.bytes,
  });
  if (put.status !== 201)
    throw new Error(`blob upload failed: ${put.status} ${await put.text()}`);
}

export async function pushManifest(
  blob: Blob,
  reference: string,
  options: PushOptions
): Promise<void> {
  const response = await fetch(
    `${options.baseUrl}/v2/${options.repository}/manifests/${reference}`,
    {
      method: 'PUT',
      headers: { ...options.headers, 'content-type': blob.mediaType },
      body: blob.bytes,
    }
  );
  if (response.status !== 201) {
    throw new Error(
      `manifest push failed: ${response.status} ${await response.text()}`
    );
  }
}
