/**
 * Wiring a reference to the adapter that serves it: a registry over HTTP
 * (credentials from the Docker config and its credential helpers), or an
 * OCI layout, OCI archive or `docker save` archive on disk.
 */

import { homedir } from 'node:os';
import { join } from 'node:path';
import { createRegistry } from '../adapters/registry/create-registry.js';
import { DockerConfigAuth } from '../adapters/registry/docker-config-auth.js';
import { openLocalSource } from '../adapters/registry/local-source.js';
import {
  formatReference,
  type ImageReference,
} from '../engine/reference/reference.js';
import type { Registry } from '../ports/registry.js';
import type { ScanTarget } from '../usecases/scan-image.js';

export interface OpenSourceOptions {
  /** Allow plain HTTP to a registry that is not on loopback. */
  readonly insecure?: boolean;
  readonly env: Readonly<Record<string, string | undefined>>;
}

/** Opens the source of `ref` and says what to ask it for. */
export async function openSource(
  ref: ImageReference,
  options: OpenSourceOptions
): Promise<{ registry: Registry; target: ScanTarget }> {
  const reference = formatReference(ref);
  if (ref.kind !== 'registry') {
    const local = await openLocalSource(ref);
    return {
      registry: local.registry,
      target: { reference, repository: '', tagOrDigest: local.reference },
    };
  }
  const configDir = options.env.DOCKER_CONFIG || join(homedir(), '.docker');
  const registry = createRegistry(ref.registry, {
    auth: new DockerConfigAuth({
      path: join(configDir, 'config.json'),
      env: { ...options.env },
    }),
    ...(options.insecure ? { insecure: true } : {}),
  });
  return {
    registry,
    target: {
      reference,
      repository: ref.repository,
      tagOrDigest: ref.digest ?? ref.tag ?? 'latest',
    },
  };
}
