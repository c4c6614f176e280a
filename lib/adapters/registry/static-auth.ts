/**
 * Small `RegistryAuth` sources: fixed credentials per host (tests, CI
 * secrets passed as arguments) and a chain that asks several sources in
 * order (flags, then the Docker config, then ECR), as go-containerregistry
 * `authn.NewMultiKeychain` does.
 */
import type { Credentials, RegistryAuth } from '../../ports/registry-auth.js';
import { normalizeRegistryKey, sameRegistry } from './hosts.js';

/**
 * Credentials from a fixed map of host → credentials. Keys may be hosts
 * or URLs; Docker Hub aliases match each other.
 *
 * @example
 * new StaticAuth({ 'ghcr.io': { kind: 'basic', username: 'u', password: 'p' } })
 */
export class StaticAuth implements RegistryAuth {
  private readonly entries: ReadonlyArray<readonly [string, Credentials]>;

  constructor(
    credentials:
      | Readonly<Record<string, Credentials>>
      | ReadonlyMap<string, Credentials>
  ) {
    const pairs =
      credentials instanceof Map
        ? [...credentials.entries()]
        : Object.entries(credentials);
    this.entries = pairs.map(
      ([host, value]) => [normalizeRegistryKey(host), value] as const
    );
  }

  /** The credentials stored for `registry`, if any. */
  async credentialsFor(registry: string): Promise<Credentials | undefined> {
    const host = normalizeRegistryKey(registry);
    const exact = this.entries.find(([key]) => key === host);
    if (exact) return exact[1];
    return this.entries.find(([key]) => sameRegistry(key, host))?.[1];
  }
}

/**
 * Asks each source in turn and returns the first credentials found.
 *
 * @example
 * new ChainAuth([new StaticAuth(flags), new DockerConfigAuth(), ecrAuth])
 */
export class ChainAuth implements RegistryAuth {
  constructor(private readonly sources: readonly RegistryAuth[]) {}

  /** The first source's credentials for `registry`, or undefined. */
  async credentialsFor(registry: string): Promise<Credentials | undefined> {
    for (const source of this.sources) {
      const credentials = await source.credentialsFor(registry);
      if (credentials) return credentials;
    }
    return undefined;
  }
}
