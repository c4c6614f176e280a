/**
 * Which registries archscan may contact when a request comes from outside
 * (a webhook, a queue message). `archscan scan REF` is the user's own
 * choice and is not restricted; everything the pipeline fetches is.
 */

export interface RegistryPolicy {
  /**
   * Returns the registry as `host[:port]` (lower case) when it may be
   * contacted.
   *
   * @throws EgressRefusedError naming why: not on the allowlist, a
   *   private, loopback or link-local address not explicitly allowed, or a
   *   value carrying credentials, a scheme or a path.
   */
  check(registry: string): string;
}
