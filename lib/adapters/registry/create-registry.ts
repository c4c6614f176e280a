/**
 * The factory the CLI and Lambdas use to reach a registry by host name.
 * Docker Hub is addressed as `docker.io` in references but serves its API
 * on `registry-1.docker.io` (reference/oci-and-registries.md §1.1).
 */
import { DOCKER_HUB_REGISTRY, isDockerHub } from './hosts.js';
import { HttpRegistry, type HttpRegistryOptions } from './http-registry.js';

/**
 * Creates an {@link HttpRegistry} for `host`, mapping Docker Hub aliases
 * to its API host.
 *
 * @example
 * const registry = createRegistry('docker.io', { auth: new DockerConfigAuth() });
 * registry.name // 'registry-1.docker.io'
 */
export function createRegistry(
  host: string,
  options: Omit<HttpRegistryOptions, 'registry'> = {}
): HttpRegistry {
  const registry = isDockerHub(host) ? DOCKER_HUB_REGISTRY : host;
  return new HttpRegistry({ ...options, registry });
}
