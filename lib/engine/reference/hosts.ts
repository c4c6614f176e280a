/**
 * Registry host names as values: splitting `host[:port]`, reducing config
 * keys and server URLs to `host[:port]`, and the spellings of Docker Hub.
 * References say `docker.io`, `docker login` stores credentials under
 * `https://index.docker.io/v1/`, and pulls go to `registry-1.docker.io`:
 * all of them name one registry (reference/oci-and-registries.md §1.1,
 * §1.5; distribution/reference `normalize.go`).
 */

/** The host Docker Hub's registry API answers on. */
export const DOCKER_HUB_REGISTRY = 'registry-1.docker.io';

/** Every spelling of Docker Hub found in references and config files. */
const DOCKER_HUB_ALIASES: ReadonlySet<string> = new Set([
  'docker.io',
  'index.docker.io',
  'registry-1.docker.io',
  'registry.hub.docker.com',
]);

/**
 * Splits `host[:port]` (IPv6 literals in brackets) into host and port.
 * A value with several colons and no brackets is taken as a bare IPv6
 * literal without a port.
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
 * True when `host` (a bare host name, lower case, no port) is one of
 * Docker Hub's spellings.
 *
 * @example isDockerHubAlias('index.docker.io') // true
 */
export function isDockerHubAlias(host: string): boolean {
  return DOCKER_HUB_ALIASES.has(host);
}

/**
 * True when `registry` is any spelling of Docker Hub, as a host or as a
 * config-file key.
 *
 * @example isDockerHub('https://index.docker.io/v1/') // true
 */
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
 *
 * @example sameRegistry('docker.io', 'registry-1.docker.io') // true
 */
export function sameRegistry(a: string, b: string): boolean {
  const left = normalizeRegistryKey(a);
  const right = normalizeRegistryKey(b);
  if (left === right) return true;
  return DOCKER_HUB_ALIASES.has(left) && DOCKER_HUB_ALIASES.has(right);
}
