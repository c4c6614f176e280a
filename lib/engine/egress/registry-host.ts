/**
 * Reading a registry `host[:port]` that came from outside (a webhook, a
 * queue message, a config file) strictly enough that the value checked is
 * the value a URL parser will connect to. Anything a URL would read
 * differently is refused rather than interpreted: schemes, paths,
 * credentials (`user:pass@host`), whitespace and control characters, a
 * trailing dot, and the numeric spellings of IPv4 that the URL standard
 * accepts (`2852039166`, `0xa9fea9fe`, `0251.0376.0251.0376` all mean
 * 169.254.169.254; URL standard "ends in a number" and IPv4 parser).
 */
import { splitHostPort } from '../reference/hosts.js';
import { type AddressVerdict, classifyAddress } from './addresses.js';

/** A registry host that passed {@link parseRegistryHost}. */
export interface RegistryHost {
  /** Lower case; IPv6 in canonical form without brackets. */
  readonly host: string;
  readonly port: number | undefined;
  /** `ip` for literals, `localhost` for `localhost` and `*.localhost`. */
  readonly kind: 'ip' | 'localhost' | 'name';
  /** The address class, for `ip` hosts. */
  readonly verdict?: AddressVerdict;
}

/** The outcome of {@link parseRegistryHost}. */
export type ParsedRegistryHost =
  | { readonly ok: true; readonly value: RegistryHost }
  | {
      readonly ok: false;
      /** Why, in words that follow "is refused: ". */
      readonly reason: string;
      /** The value quoted for messages, with credentials and paths cut out. */
      readonly shown: string;
    };

const SCHEME = /^[a-z][a-z0-9+.-]*:\/\//i;
const LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;
/** A last label the URL standard would parse as a number (decimal or hex). */
const NUMERIC_LABEL = /^(?:\d+|0x[0-9a-f]*)$/;
const MAX_NAME = 253;
const MAX_SHOWN = 80;

/**
 * Parses `host[:port]`. Failure is expected data here (the value is
 * untrusted), so it is returned, not thrown.
 *
 * @example parseRegistryHost('[::1]:5000') // { ok: true, value: { host: '::1', port: 5000, kind: 'ip', … } }
 * @example parseRegistryHost('user:pw@ghcr.io').ok // false
 */
export function parseRegistryHost(text: string): ParsedRegistryHost {
  const refuse = (reason: string): ParsedRegistryHost => ({
    ok: false,
    reason,
    shown: showRegistry(text),
  });
  if (text === '') return refuse('it is empty');
  if (text.includes('@')) {
    return refuse('it carries credentials (user@host); give host[:port] only');
  }
  if (/[\p{White_Space}\p{C}]/u.test(text)) {
    return refuse('it contains whitespace or control characters');
  }
  if (SCHEME.test(text))
    return refuse('it has a scheme; give host[:port] only');
  if (/[/?#\\]/.test(text)) {
    return refuse('it has a path, query or fragment; give host[:port] only');
  }
  const lower = text.toLowerCase();
  const bracketed = lower.startsWith('[');
  const split = splitHostPort(lower);
  const port = parsePort(split.port);
  if (port === null) return refuse('the port must be a number from 1 to 65535');
  const host = split.host;
  if (bracketed || host.includes(':')) {
    const verdict = classifyAddress(host);
    if (!verdict || !host.includes(':')) {
      return refuse(
        bracketed
          ? 'it is not a valid ipv6 address in brackets'
          : 'it is not host[:port] or an ip address'
      );
    }
    return {
      ok: true,
      value: { host: verdict.address, port, kind: 'ip', verdict },
    };
  }
  const verdict = classifyAddress(host);
  if (verdict) {
    return {
      ok: true,
      value: { host: verdict.address, port, kind: 'ip', verdict },
    };
  }
  const why = nameProblem(host);
  if (why) return refuse(why);
  const kind =
    host === 'localhost' || host.endsWith('.localhost') ? 'localhost' : 'name';
  return { ok: true, value: { host, port, kind } };
}

/** Undefined when absent, null when not a valid TCP port. */
function parsePort(port: string | undefined): number | undefined | null {
  if (port === undefined) return undefined;
  if (!/^\d{1,5}$/.test(port)) return null;
  const value = Number(port);
  return value >= 1 && value <= 65_535 ? value : null;
}

function nameProblem(host: string): string | undefined {
  if (host.endsWith('.')) return 'remove the trailing dot';
  const labels = host.split('.');
  if (NUMERIC_LABEL.test(labels[labels.length - 1] ?? '')) {
    return 'it is not an ip address in dotted-decimal form (numeric, hex and octal spellings are refused)';
  }
  if (host.length > MAX_NAME || !labels.every((label) => LABEL.test(label))) {
    return 'it is not a valid host name (letters, digits, hyphens and dots)';
  }
  return undefined;
}

/**
 * `host[:port]` as URLs write it: IPv6 in brackets.
 *
 * @example formatRegistryHost('::1', 5000) // '[::1]:5000'
 */
export function formatRegistryHost(
  host: string,
  port: number | undefined
): string {
  const bracketed = host.includes(':') ? `[${host}]` : host;
  return port === undefined ? bracketed : `${bracketed}:${port}`;
}

/**
 * A refused value, quoted for a message: nothing before an `@` (where
 * credentials sit) and nothing after the host (where tokens sit in
 * queries), clipped to a readable length.
 *
 * @example showRegistry('https://u:p@ghcr.io/x?t=1') // '"https://…@ghcr.io/…"'
 */
export function showRegistry(text: string): string {
  const scheme = SCHEME.exec(text)?.[0] ?? '';
  let rest = text.slice(scheme.length);
  const at = rest.lastIndexOf('@');
  const masked = at === -1 ? '' : '…@';
  rest = rest.slice(at + 1);
  const end = rest.search(/[/?#\\]/);
  const cut = end === -1 ? rest : `${rest.slice(0, end)}/…`;
  const shown = `${scheme}${masked}${cut}`;
  return JSON.stringify(
    shown.length > MAX_SHOWN ? `${shown.slice(0, MAX_SHOWN)}…` : shown
  );
}
