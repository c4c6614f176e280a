/**
 * How the scan worker reaches a registry named in a queue message. The
 * stack always sets ALLOWED_REGISTRIES (this account's ECR registry, plus
 * the webhook allowlist when webhooks are on), and then every host passes
 * the registry allowlist and every connection the egress guard
 * (`guardedRegistryFor`): a message naming 169.254.169.254, a private
 * address or an unlisted host is refused before anything is contacted.
 */
import { createRegistry } from '../../lib/adapters/registry/create-registry.js';
import { guardedRegistryFor } from '../../lib/adapters/registry/egress-dispatcher.js';
import type { HttpRegistryOptions } from '../../lib/adapters/registry/http-registry.js';
import { RegistryAllowlist } from '../../lib/engine/egress/allowlist.js';
import type { Registry } from '../../lib/ports/registry.js';
import type { RegistryAuth } from '../../lib/ports/registry-auth.js';

/** Options for {@link workerRegistryFor}. */
export interface WorkerRegistryOptions {
  /** Credentials per host: the ECR auth answers for ECR hosts, others go anonymous. */
  readonly auth: RegistryAuth;
  /** Retry settings of every registry (tests shorten the delays). */
  readonly retry?: HttpRegistryOptions['retry'];
}

/**
 * The worker's `registryFor`: one registry client per host for the life of
 * the function instance, so bearer tokens are reused across messages.
 *
 * With an empty `allowed` list (a function deployed before the stack set
 * ALLOWED_REGISTRIES on the worker), hosts are contacted unguarded as they
 * were then: such a deployment only ever queued its own ECR pushes, and
 * refusing everything would stop it scanning until it is redeployed.
 *
 * @example
 * const registryFor = workerRegistryFor(config.allowedRegistries, { auth: ecrAuth });
 * registryFor('123456789012.dkr.ecr.eu-west-1.amazonaws.com'); // HttpRegistry
 * registryFor('169.254.169.254'); // throws EgressRefusedError
 * @throws ConfigError (at once) when an entry of `allowed` is invalid;
 *   EgressRefusedError (from the returned function) for a refused host.
 */
export function workerRegistryFor(
  allowed: readonly string[],
  options: WorkerRegistryOptions
): (host: string) => Registry {
  const settings = {
    auth: options.auth,
    ...(options.retry ? { retry: options.retry } : {}),
  };
  const create =
    allowed.length > 0
      ? guardedRegistryFor(RegistryAllowlist.from(allowed), settings)
      : (host: string) => createRegistry(host, settings);
  const registries = new Map<string, Registry>();
  return (host) => {
    let registry = registries.get(host);
    if (!registry) {
      registry = create(host);
      registries.set(host, registry);
    }
    return registry;
  };
}
