/**
 * The registry adapters: `HttpRegistry` for the OCI distribution API and
 * the `RegistryAuth` sources that feed it. Import from here.
 */
export type { Challenge } from './challenge.js';
export { findChallenge, parseChallenges } from './challenge.js';
export { createRegistry } from './create-registry.js';
export type {
  CredentialHelperOptions,
  CredentialHelperRunner,
  HelperCredentials,
} from './credential-helper.js';
export { runCredentialHelper } from './credential-helper.js';
export type { DockerConfigAuthOptions } from './docker-config-auth.js';
export { DockerConfigAuth } from './docker-config-auth.js';
export type { EcrAuthOptions, EcrAuthorizationToken } from './ecr-auth.js';
export { EcrAuth, isEcrHost } from './ecr-auth.js';
export { isDockerHub, isLoopbackHost } from './hosts.js';
export type { HttpRegistryOptions } from './http-registry.js';
export { HttpRegistry } from './http-registry.js';
export type { RetryOptions } from './retry.js';
export { DEFAULT_RETRY } from './retry.js';
export { ChainAuth, StaticAuth } from './static-auth.js';
