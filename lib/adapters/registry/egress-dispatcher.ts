/**
 * Connections that only reach what the registry allowlist permits. The
 * allowlist names registries, but a name is not an address: it may resolve
 * to 169.254.169.254, and a registry may redirect a blob download anywhere.
 * So every connection the pipeline opens (registry, token realm, redirect
 * target) passes through one undici connector that checks the addresses
 * it is about to reach with `RegistryAllowlist.permitsAddress`:
 *
 * - an IP-literal host is checked as it is;
 * - a name is resolved once (`dns.lookup`, every address), every address is
 *   checked, and the socket is opened to those checked addresses through a
 *   pinned `lookup`, so a second DNS answer (rebinding) never reaches
 *   `connect()`.
 *
 * Refusals are `EgressRefusedError` (code `forbidden`), which the retry
 * loop never repeats and `connectionError` passes through unchanged.
 */
import type { LookupAddress } from 'node:dns';
import { lookup } from 'node:dns/promises';
import { isIP, type LookupFunction, type Socket } from 'node:net';
import { Agent, buildConnector } from 'undici';
import type { RegistryAllowlist } from '../../engine/egress/allowlist.js';
import { formatRegistryHost } from '../../engine/egress/registry-host.js';
import { EgressRefusedError, RegistryError } from '../../engine/errors.js';
import { createRegistry } from './create-registry.js';
import type { HttpRegistry, HttpRegistryOptions } from './http-registry.js';

/** Settings for {@link createEgressDispatcher}. */
export interface EgressDispatcherOptions {
  /** Time allowed to open a TCP (and TLS) connection. */
  readonly connectTimeoutMs?: number;
}

/** undici's own default: long enough for a slow TLS handshake across regions. */
export const DEFAULT_CONNECT_TIMEOUT_MS = 10_000;

/** Options for {@link guardedRegistryFor}: the registry's, minus what it sets. */
export type GuardedRegistryOptions = Omit<
  HttpRegistryOptions,
  'registry' | 'dispatcher'
> &
  EgressDispatcherOptions;

/**
 * An undici Agent whose every connection is checked against the
 * allowlist's address rules before a socket is opened.
 *
 * @example
 * const dispatcher = createEgressDispatcher(allowlist);
 * new HttpRegistry({ registry: 'ghcr.io', dispatcher });
 */
export function createEgressDispatcher(
  allowlist: RegistryAllowlist,
  options: EgressDispatcherOptions = {}
): Agent {
  const timeout = options.connectTimeoutMs ?? DEFAULT_CONNECT_TIMEOUT_MS;
  return new Agent({ connect: egressConnector(allowlist, timeout) });
}

/**
 * The `registryFor` of the pipeline (`archscan serve`, the scan worker):
 * checks the host against the allowlist, then builds an `HttpRegistry`
 * that connects through one shared egress dispatcher.
 *
 * @example
 * const registryFor = guardedRegistryFor(RegistryAllowlist.from(['ghcr.io']), { auth });
 * registryFor('ghcr.io'); // HttpRegistry
 * registryFor('169.254.169.254'); // throws EgressRefusedError
 * @throws EgressRefusedError (from the returned function) when the host
 *   may not be contacted.
 */
export function guardedRegistryFor(
  allowlist: RegistryAllowlist,
  options: GuardedRegistryOptions = {}
): (host: string) => HttpRegistry {
  const { connectTimeoutMs, ...registryOptions } = options;
  const dispatcher = createEgressDispatcher(allowlist, { connectTimeoutMs });
  return (host) =>
    createRegistry(allowlist.check(host), { ...registryOptions, dispatcher });
}

function egressConnector(
  allowlist: RegistryAllowlist,
  timeout: number
): buildConnector.connector {
  // IP literals need no lookup, so they share one connector and its TLS
  // session cache; names get a connector pinned to their checked addresses.
  const direct = buildConnector({ timeout });
  return (options, callback) => {
    const port =
      Number(options.port) || (options.protocol === 'https:' ? 443 : 80);
    void checkedConnector(allowlist, options.hostname, port, direct, timeout)
      .then((connector) => open(connector, options))
      .then(
        (socket) => callback(null, socket),
        (error: Error) => callback(error, null)
      );
  };
}

/** A connector for `hostname`, or a refusal naming the address and the rule. */
async function checkedConnector(
  allowlist: RegistryAllowlist,
  hostname: string,
  port: number,
  direct: buildConnector.connector,
  timeout: number
): Promise<buildConnector.connector> {
  const refuse = (address: string, why: string) =>
    new EgressRefusedError(
      `refusing to connect to ${formatRegistryHost(hostname, port)}${address}: ${why}`
    );
  if (isIP(hostname)) {
    const why = allowlist.addressRefusal(hostname, port, hostname);
    if (why) throw refuse('', why);
    return direct;
  }
  const addresses = await lookup(hostname, { all: true, verbatim: true });
  for (const { address } of addresses) {
    const why = allowlist.addressRefusal(hostname, port, address);
    if (why) throw refuse(` (resolved to ${address})`, why);
  }
  return buildConnector({ timeout, lookup: pinnedLookup(addresses) });
}

/**
 * A `lookup` for `net.connect` that answers only with addresses already
 * checked, whatever DNS would say now.
 */
function pinnedLookup(addresses: readonly LookupAddress[]): LookupFunction {
  return (hostname, options, callback) => {
    const family =
      options.family === 'IPv4'
        ? 4
        : options.family === 'IPv6'
          ? 6
          : options.family;
    const usable =
      family === 4 || family === 6
        ? addresses.filter((entry) => entry.family === family)
        : [...addresses];
    const [first] = usable;
    if (!first) {
      callback(
        new RegistryError(
          `${hostname} has no IPv${family} address among those checked: check the registry's DNS records`
        ),
        ''
      );
      return;
    }
    if (options.all) callback(null, usable);
    else callback(null, first.address, first.family);
  };
}

function open(
  connector: buildConnector.connector,
  options: buildConnector.Options
): Promise<Socket> {
  return new Promise((resolve, reject) => {
    connector(options, (error, socket) => {
      if (error) reject(error);
      else resolve(socket);
    });
  });
}
