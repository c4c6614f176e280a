/**
 * Settings of the registry-webhook intake (`POST /webhooks/{provider}`),
 * their defaults, and the checks that run at synth time.
 */
import { Token } from 'aws-cdk-lib';
import { InfraConfigError } from './errors.js';

/**
 * Providers archscan accepts deliveries from, as they appear in
 * `/webhooks/{provider}`. Infrastructure may not import the engine, so the
 * list repeats `PROVIDER_NAMES` of `lib/engine/webhooks/types.ts`; a test in
 * `test/infra` proves the two copies are equal.
 */
export const PROVIDER_NAMES = [
  'distribution',
  'dockerhub',
  'harbor',
  'ghcr',
  'quay',
  'acr',
  'gar',
  'jfrog',
] as const;

/** One of {@link PROVIDER_NAMES}. */
export type ProviderName = (typeof PROVIDER_NAMES)[number];

/** Registry webhooks: who may call, and which registries they may name. */
export interface WebhookProps {
  /** Providers whose deliveries are accepted; others answer 404. */
  readonly providers: readonly ProviderName[];
  /**
   * Registries (`host[:port]`, or `*.domain` for every host below it) that
   * webhooks may send scans to. The scan worker may contact these and the
   * account's own ECR registry, nothing else.
   */
  readonly allowedRegistries: readonly string[];
  /**
   * Events for the same image within this many seconds become one scan.
   * @default 10 (a multi-arch push fires one event per manifest within seconds)
   */
  readonly coalesceSeconds?: number;
  /**
   * Delivery ids are remembered this long, and older deliveries are
   * refused as stale.
   * @default 3600 (outlasts every provider's retry schedule)
   */
  readonly replayWindowSeconds?: number;
}

/** {@link WebhookProps} with every default applied. */
export interface ResolvedWebhookProps {
  readonly providers: readonly ProviderName[];
  readonly allowedRegistries: readonly string[];
  readonly coalesceSeconds: number;
  readonly replayWindowSeconds: number;
}

const DEFAULT_COALESCE_SECONDS = 10;
const DEFAULT_REPLAY_WINDOW_SECONDS = 3_600;
// Longer coalescing would merge two real pushes of the same tag into one scan.
const MAX_COALESCE_SECONDS = 900;
// Under a minute, a provider's own retry could look stale; over a day, the
// claims table keeps ids longer than any provider retries.
const MIN_REPLAY_WINDOW_SECONDS = 60;
const MAX_REPLAY_WINDOW_SECONDS = 86_400;
// Lambda caps a function's whole environment at 4 KB, and the worker also
// carries the expected-platform rules (up to 2 KB).
const MAX_REGISTRIES_JSON = 1_024;
// The scan worker's allowlist (lib/engine/egress/allowlist.ts) refuses
// these entries at cold start; refusing them at synth time fails earlier.
// The rules here are the same or stricter, never looser.
const ENTRY = /^(\*\.)?([^:]+)(?::([0-9]{1,5}))?$/;
const LABEL = /^[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?$/;
const NUMERIC_LABEL = /^(\d+|0x[0-9a-f]*)$/;
const IPV4 =
  /^(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)(\.(25[0-5]|2[0-4]\d|1\d\d|[1-9]?\d)){3}$/;
const MAX_NAME = 253;
const MAX_PORT = 65_535;
// A wildcard over one label (`*.io`) would admit a whole top-level domain.
const MIN_WILDCARD_LABELS = 2;

/**
 * Applies defaults and checks every value.
 *
 * @throws InfraConfigError naming the bad setting (`webhooks.providers`, …).
 * @example
 * const webhooks = resolveWebhookProps({
 *   providers: ['ghcr', 'harbor'],
 *   allowedRegistries: ['ghcr.io', 'harbor.example.com'],
 * });
 */
export function resolveWebhookProps(props: WebhookProps): ResolvedWebhookProps {
  return {
    providers: checkProviders(props.providers),
    allowedRegistries: checkRegistries(props.allowedRegistries),
    coalesceSeconds: checkSeconds(
      'coalesceSeconds',
      props.coalesceSeconds ?? DEFAULT_COALESCE_SECONDS,
      0,
      MAX_COALESCE_SECONDS
    ),
    replayWindowSeconds: checkSeconds(
      'replayWindowSeconds',
      props.replayWindowSeconds ?? DEFAULT_REPLAY_WINDOW_SECONDS,
      MIN_REPLAY_WINDOW_SECONDS,
      MAX_REPLAY_WINDOW_SECONDS
    ),
  };
}

function checkProviders(providers: readonly string[]): ProviderName[] {
  const known = PROVIDER_NAMES.join(', ');
  if (providers.length === 0) {
    throw new InfraConfigError(
      `webhooks.providers: the list is empty; name at least one of ${known}, or leave webhooks unset`
    );
  }
  const seen = new Set<string>();
  for (const provider of providers) {
    if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
      throw new InfraConfigError(
        `webhooks.providers: "${provider}" is not a provider; use one of ${known}`
      );
    }
    if (seen.has(provider)) {
      throw new InfraConfigError(
        `webhooks.providers: "${provider}" is listed twice; list each provider once`
      );
    }
    seen.add(provider);
  }
  return [...providers] as ProviderName[];
}

function checkRegistries(registries: readonly string[]): string[] {
  if (registries.length === 0) {
    throw new InfraConfigError(
      'webhooks.allowedRegistries: the list is empty; name the registries webhooks may send scans to, e.g. ghcr.io'
    );
  }
  for (const registry of registries) {
    if (Token.isUnresolved(registry)) continue;
    const problem = registryProblem(registry);
    if (problem !== undefined) {
      throw new InfraConfigError(
        `webhooks.allowedRegistries: "${registry}" ${problem}; write e.g. ghcr.io, registry.example.com:5000 or *.azurecr.io`
      );
    }
  }
  if (JSON.stringify(registries).length > MAX_REGISTRIES_JSON) {
    throw new InfraConfigError(
      `webhooks.allowedRegistries: the list exceeds ${MAX_REGISTRIES_JSON} characters of JSON; cover hosts with *.domain wildcards`
    );
  }
  return [...registries];
}

// Why `entry` is not an allowlist entry, or undefined when it is one.
function registryProblem(entry: string): string | undefined {
  const match = ENTRY.exec(entry);
  const host = match?.[2] ?? '';
  const labels = host.split('.');
  if (!match || host.length > MAX_NAME || !labels.every((l) => LABEL.test(l))) {
    return 'is not a lower-case host[:port] or *.domain, without scheme, path or credentials';
  }
  const port = match[3] === undefined ? undefined : Number(match[3]);
  if (port !== undefined && (port < 1 || port > MAX_PORT)) {
    return 'has a port outside 1 to 65535';
  }
  const numeric = NUMERIC_LABEL.test(labels[labels.length - 1] ?? '');
  if (match[1] !== undefined) {
    if (numeric || host === 'localhost' || host.endsWith('.localhost')) {
      return 'is a wildcard over an ip address or localhost; list those exactly';
    }
    if (labels.length < MIN_WILDCARD_LABELS) {
      return 'is a wildcard over a whole top-level domain; name at least a domain';
    }
  }
  if (numeric && !IPV4.test(host)) {
    return 'is not an ip address in dotted-decimal form';
  }
  if (numeric && neverContacted(host)) {
    return 'is an address the worker never contacts (unspecified, link-local or metadata, multicast, reserved)';
  }
  return undefined;
}

// 0.0.0.0/8, 169.254.0.0/16 (instance metadata), 224.0.0.0/4 and up, and
// the metadata services of other clouds the engine's allowlist refuses.
const METADATA_ADDRESSES: ReadonlySet<string> = new Set([
  '100.100.100.200',
  '168.63.129.16',
]);

function neverContacted(ipv4: string): boolean {
  const [a = 0, b = 0] = ipv4.split('.').map(Number);
  return (
    a === 0 ||
    (a === 169 && b === 254) ||
    a >= 224 ||
    METADATA_ADDRESSES.has(ipv4)
  );
}

function checkSeconds(name: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InfraConfigError(
      `webhooks.${name}: ${value} must be a whole number of seconds from ${min} to ${max}`
    );
  }
  return value;
}
