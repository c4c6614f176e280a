/**
 * The registry allowlist: the only registries the pipeline contacts when a
 * request comes from outside (a webhook, a queue message). It is checked
 * twice, because a name is not an address:
 *
 * 1. {@link RegistryAllowlist.check} before anything is queued or fetched:
 *    the registry named must match an entry, and must not be a value a URL
 *    would read differently (see `registry-host.ts`).
 * 2. {@link RegistryAllowlist.permitsAddress} when a connection is made,
 *    to every address a name resolves to and every redirect target: a
 *    registry may send blob downloads to an object store or CDN on another
 *    public host, so public addresses are fine for any host, but private
 *    and loopback addresses only for a host listed exactly, and link-local,
 *    metadata and other special addresses never (see `addresses.ts`).
 *
 * Entries: `host`, `host:port`, `*.suffix` (any subdomain, at any depth),
 * `1.2.3.4[:port]`, `[::1][:port]`. An entry without a port allows every
 * port; a registry named without a port matches only such entries. Every
 * spelling of Docker Hub is one registry. A wildcard never admits an IP
 * literal or a `localhost` name.
 */
import { ConfigError, EgressRefusedError } from '../errors.js';
import { isDockerHubAlias } from '../reference/hosts.js';
import { classifyAddress } from './addresses.js';
import type { RegistryPolicy } from './policy.js';
import {
  formatRegistryHost,
  parseRegistryHost,
  type RegistryHost,
  showRegistry,
} from './registry-host.js';

interface Entry {
  readonly wildcard: boolean;
  /** The exact host, or the suffix of a wildcard (without `*.`). */
  readonly host: string;
  readonly port: number | undefined;
}

/** A wildcard over fewer labels (`*.io`) would admit a whole top-level domain. */
const MIN_WILDCARD_LABELS = 2;

/**
 * Which registries may be contacted, and which addresses connections may
 * reach.
 *
 * @example
 * const allowlist = RegistryAllowlist.from(['ghcr.io', '*.azurecr.io', '127.0.0.1:5000']);
 * allowlist.check('team.azurecr.io'); // 'team.azurecr.io'
 * allowlist.check('169.254.169.254'); // throws EgressRefusedError
 * allowlist.permitsAddress('cdn.example', 443, '151.101.1.1'); // true
 */
export class RegistryAllowlist implements RegistryPolicy {
  /** The entries in normal form (`*.azurecr.io`, `[::1]:5000`). */
  readonly entries: readonly string[];
  private readonly parsed: readonly Entry[];

  private constructor(parsed: readonly Entry[]) {
    this.parsed = parsed;
    this.entries = Object.freeze(
      parsed.map(
        (entry) =>
          `${entry.wildcard ? '*.' : ''}${formatRegistryHost(entry.host, entry.port)}`
      )
    );
  }

  /**
   * Builds the allowlist from configured entries (surrounding whitespace
   * and case ignored). An empty list allows nothing.
   *
   * @example RegistryAllowlist.from(['*.dkr.ecr.eu-west-1.amazonaws.com', 'docker.io'])
   * @throws ConfigError naming the first bad entry: not `host[:port]`,
   *   `*.suffix` or an IP literal, a wildcard too broad or over IPs or
   *   `localhost`, or an address that can never be contacted.
   */
  static from(entries: readonly string[]): RegistryAllowlist {
    return new RegistryAllowlist(entries.map(parseEntry));
  }

  /**
   * Returns the registry as `host[:port]` (lower case, IPv6 in brackets)
   * when it may be contacted.
   *
   * @example RegistryAllowlist.from(['ghcr.io']).check('GHCR.io') // 'ghcr.io'
   * @throws EgressRefusedError naming the registry and why: malformed,
   *   carrying credentials, a scheme or a path, an address never
   *   contacted, or not on the allowlist.
   */
  check(registry: string): string {
    const parsed = parseRegistryHost(registry);
    if (!parsed.ok) {
      throw new EgressRefusedError(
        `registry ${parsed.shown} is refused: ${parsed.reason}`
      );
    }
    const target = parsed.value;
    const shown = formatRegistryHost(target.host, target.port);
    const { verdict } = target;
    if (verdict?.class === 'forbidden') {
      throw new EgressRefusedError(
        `registry ${JSON.stringify(shown)} is refused: it is ${verdict.reason}, which is never contacted`
      );
    }
    if (this.admits(target)) return shown;
    if (verdict?.class === 'private' || target.kind === 'localhost') {
      const what = verdict ? verdict.reason : 'a loopback name';
      throw new EgressRefusedError(
        `registry ${JSON.stringify(shown)} is refused: it is ${what} and only allowed when listed exactly; add ${JSON.stringify(shown)} to the allowed registries if it is yours`
      );
    }
    throw new EgressRefusedError(
      `registry ${JSON.stringify(shown)} is not on the registry allowlist: add it (or a *.domain wildcard) to the allowed registries to scan its images`
    );
  }

  /**
   * True when a connection to `host`:`port` may go to `address`:
   * never for link-local, metadata, unspecified, multicast or reserved
   * addresses; for private and loopback addresses only when `host` is
   * listed exactly (not through a wildcard) with that port or none; for
   * public addresses always, so redirects to object stores and CDNs work.
   *
   * @example allowlist.permitsAddress('localhost', 5000, '127.0.0.1') // false unless 'localhost[:5000]' is listed
   */
  permitsAddress(host: string, port: number, address: string): boolean {
    return this.addressRefusal(host, port, address) === undefined;
  }

  /**
   * Why {@link permitsAddress} says no, as a sentence naming the address
   * and the rule, or undefined when the connection is permitted.
   *
   * @example allowlist.addressRefusal('x.example', 443, '10.0.0.1') // '10.0.0.1 is a private address and …'
   */
  addressRefusal(
    host: string,
    port: number,
    address: string
  ): string | undefined {
    const verdict = classifyAddress(address);
    if (!verdict) return `${JSON.stringify(address)} is not an ip address`;
    if (verdict.class === 'public') return undefined;
    if (verdict.class === 'forbidden') {
      return `${verdict.address} is ${verdict.reason}, which is never contacted`;
    }
    if (this.listedExactly(host, port)) return undefined;
    const target = formatRegistryHost(hostKey(host), port);
    return `${verdict.address} is ${verdict.reason} and ${target} is not listed exactly in the registry allowlist`;
  }

  private admits(target: RegistryHost): boolean {
    return this.parsed.some((entry) => {
      if (!portMatches(entry, target.port)) return false;
      if (!entry.wildcard) return sameHost(entry.host, target.host);
      return target.kind === 'name' && target.host.endsWith(`.${entry.host}`);
    });
  }

  private listedExactly(host: string, port: number): boolean {
    const key = hostKey(host);
    return this.parsed.some(
      (entry) =>
        !entry.wildcard && portMatches(entry, port) && sameHost(entry.host, key)
    );
  }
}

function parseEntry(text: string): Entry {
  const trimmed = text.trim();
  const wildcard = trimmed.startsWith('*.');
  const parsed = parseRegistryHost(wildcard ? trimmed.slice(2) : trimmed);
  const shown = showRegistry(trimmed);
  const fail = (why: string): never => {
    throw new ConfigError(
      `invalid registry allowlist entry ${shown}: ${why}; use host, host:port, *.domain or an ip address`
    );
  };
  if (!parsed.ok) return fail(parsed.reason);
  const { host, port, kind, verdict } = parsed.value;
  if (verdict?.class === 'forbidden') {
    throw new ConfigError(
      `registry allowlist entry ${shown} can never be contacted: it is ${verdict.reason}; remove it`
    );
  }
  if (wildcard) {
    if (kind !== 'name')
      fail(
        'a wildcard covers host names only, never ip addresses or localhost'
      );
    if (host.split('.').length < MIN_WILDCARD_LABELS) {
      fail(
        'the wildcard is too broad; name at least a domain, like *.azurecr.io'
      );
    }
  }
  return { wildcard, host, port };
}

/** Docker Hub's spellings are one registry. */
function sameHost(a: string, b: string): boolean {
  return a === b || (isDockerHubAlias(a) && isDockerHubAlias(b));
}

function portMatches(entry: Entry, port: number | undefined): boolean {
  return entry.port === undefined || entry.port === port;
}

/** A host as a connection names it, in the form entries are stored in. */
function hostKey(host: string): string {
  const bare = host.toLowerCase().replace(/^\[(.*)\]$/, '$1');
  return classifyAddress(bare)?.address ?? bare;
}
