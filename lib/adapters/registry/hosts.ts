/**
 * Registry host names: which hosts may be spoken to over plain HTTP, and
 * which spellings name Docker Hub. Docker's own clients treat loopback
 * registries as insecure by default (`registry/config.go`
 * `isSecureIndex`), and `docker login` stores Hub credentials under
 * `https://index.docker.io/v1/` while pulls go to `registry-1.docker.io`
 * (reference/oci-and-registries.md §1.1, §1.5). The pure name helpers
 * live in the engine (`engine/reference/hosts.ts`) and are re-exported
 * here for the adapters.
 */
import { isIPv4 } from 'node:net';
import { splitHostPort } from '../../engine/reference/hosts.js';

export {
  DOCKER_HUB_REGISTRY,
  isDockerHub,
  normalizeRegistryKey,
  sameRegistry,
  splitHostPort,
} from '../../engine/reference/hosts.js';

/** The key `docker login` writes Docker Hub credentials under. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

/**
 * True for hosts that never leave the machine: `localhost`, 127.0.0.0/8
 * and `::1`, with or without a port. Only these default to plain HTTP.
 *
 * @example isLoopbackHost('127.0.0.1:5000') // true
 */
export function isLoopbackHost(registry: string): boolean {
  const { host } = splitHostPort(registry.trim().toLowerCase());
  if (host === 'localhost' || host.endsWith('.localhost')) return true;
  if (host === '::1' || host === '0:0:0:0:0:0:0:1') return true;
  return isIPv4(host) && host.startsWith('127.');
}
