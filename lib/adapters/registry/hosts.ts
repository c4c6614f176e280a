/**
 * Registry host names: which hosts may be spoken to over plain HTTP, and
 * which spellings name Docker Hub. Docker's own clients treat loopback
 * registries as insecure by default (`registry/config.go`
 * `isSecureIndex`), and `docker login` stores Hub credentials under
 * `https://index.docker.io/v1/` while pulls go to `registry-1.docker.io`
 * (reference/oci-and-registries.md §1.1, §1.5).
 */
import { isIPv4 } from 'node:net';

/** The host Docker Hub's registry API answers on. */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';

/** The key `docker login` writes Docker Hub credentials under. */
export const DOCKER_HUB_CONFIG_KEY = 'https://index.docker.io/v1/';

/** Every spelling of Docker Hub found in references and config files. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * Splits `host[:port]` (IPv6 literals in brackets) into host and port.
 *
 * @example splitHostPort('[::1]:5000') // { host: '::1', port: '5000' }
 */
export function splitHostPort(registry: string): {
  host: string;
  port: string | undefined;
} {
  const bracketed = /^\[([^\]]+)\](?::(\d+))?$/.exec(registry);
  if (bracketed) return { host: bracketed[1] ?? '', port: bracketed[2] };
  const colon = registry.lastIndexOf(':');
  if (colon > 0 && registry.indexOf(':') === colon) {
    return { host: registry.slice(0, colon), port: registry.slice(colon + 1) };
  }
  return { host: registry, port: undefined };
}

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

/** True when `registry` is any spelling of Docker Hub. */
export function isDockerHub(registry: string): boolean {
  return DOCKER_HUB_ALIASES.has(normalizeRegistryKey(registry));
}

/**
 * Reduces a config-file key or server URL to `host[:port]`, lower case:
 * `https://index.docker.io/v1/` becomes `index.docker.io`.
 *
 * @example normalizeRegistryKey('https://ghcr.io/') // 'ghcr.io'
 */
export function normalizeRegistryKey(key: string): string {
  const withoutScheme = key.trim().replace(/^[a-z][a-z0-9+.-]*:\/\//i, '');
  const slash = withoutScheme.indexOf('/');
  const host = slash === -1 ? withoutScheme : withoutScheme.slice(0, slash);
  return host.toLowerCase();
}

/**
 * True when two registry names denote the same registry, treating every
 * Docker Hub alias as one.
 */
export function sameRegistry(a: string, b: string): boolean {
  const left = normalizeRegistryKey(a);
  const right = normalizeRegistryKey(b);
  if (left === right) return true;
  return DOCKER_HUB_ALIASES.has(left) && DOCKER_HUB_ALIASES.has(right);
}
