/**
 * The value types of the `archscan serve` config file, each with the
 * message a person reads when a value is wrong: integers in a range,
 * secrets (never echoed), URLs by what they may point at, registry hosts,
 * e-mail addresses, platforms and the listen address. Values from
 * `${ENV}` substitution arrive as text, so numbers and booleans accept
 * their text form.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parsePlatform } from '../engine/platform/platform.js';

const LABEL = '[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?';
const HOST = `${LABEL}(?:\\.${LABEL})*`;
const IPV6 = '\\[[0-9a-f:.]+\\]';
const PORT = '(?::(\\d{1,5}))?';
const REGISTRY = new RegExp(`^(?:${HOST}|${IPV6})${PORT}$`, 'i');
const REGISTRY_PATTERN = new RegExp(
  `^(?:\\*\\.${HOST}|${HOST}|${IPV6})${PORT}$`,
  'i'
);
const MAILBOX = /^(?:[^\s@<>]+@[^\s@<>]+|[^<>]*<[^\s@<>]+@[^\s@<>]+>)$/;

/** `must be …`, or `is required` when the key is absent. */
export const mustBe = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/** Numbers and booleans may arrive as text from `${ENV}` substitution. */
export const fromText = (value: unknown) => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  return value;
};

/**
 * An integer in `[min, max]`, `fallback` when absent.
 *
 * @example integer(1, 64, 2).parse('4') // 4
 */
export function integer(min: number, max: number, fallback: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z
    .preprocess(
      fromText,
      z.number({ error }).int({ error }).min(min, { error }).max(max, { error })
    )
    .default(fallback);
}

/** `true` or `false` (also as text), `fallback` when absent. */
export const flag = (fallback: boolean) =>
  z
    .preprocess(fromText, z.boolean({ error: mustBe('true or false') }))
    .default(fallback);

/** A secret: never echoed, at least `min` characters. */
export const secret = (min = 1) =>
  z
    .string({ error: mustBe('a string') })
    .min(
      min,
      min > 1
        ? `must be at least ${min} characters (e.g. the output of openssl rand -hex 32)`
        : 'must not be empty'
    );

/**
 * True for `localhost`, 127.0.0.0/8 and ::1.
 *
 * @example isLoopbackHost('[::1]') // true
 */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  return (
    host === 'localhost' ||
    host === '::1' ||
    (isIP(host) === 4 && host.startsWith('127.'))
  );
}

function parseUrl(text: string): URL | undefined {
  try {
    return new URL(text);
  } catch {
    return undefined;
  }
}

/** https, or http on a loopback host (a receiver on the same machine). */
export const httpsUrl = (example: string) =>
  z.string({ error: mustBe('a URL') }).refine(
    (text) => {
      const url = parseUrl(text);
      if (!url?.hostname) return false;
      if (url.protocol === 'https:') return true;
      return url.protocol === 'http:' && isLoopbackHost(url.hostname);
    },
    {
      error: `must be an https URL (http only on a loopback host), e.g. ${example}`,
    }
  );

/** `smtp://` (STARTTLS when offered) or `smtps://` (implicit TLS); a secret. */
export const smtpUrl = z.string({ error: mustBe('a URL') }).refine(
  (text) => {
    const url = parseUrl(text);
    return (
      (url?.protocol === 'smtp:' || url?.protocol === 'smtps:') &&
      url.hostname !== ''
    );
  },
  {
    error:
      'must be an smtp:// (STARTTLS) or smtps:// (TLS) URL, e.g. smtps://user:pass@mail.example.com:465',
  }
);

/** An http(s) URL that is not a secret, echoed in messages. */
export const plainUrl = z
  .string({ error: mustBe('a URL') })
  .superRefine((text, ctx) => {
    const url = parseUrl(text);
    if (
      !url ||
      (url.protocol !== 'http:' && url.protocol !== 'https:') ||
      url.username ||
      url.password ||
      url.search ||
      url.hash
    ) {
      ctx.addIssue({
        code: 'custom',
        message: `${JSON.stringify(text)} must be an http or https URL without credentials, query or fragment`,
      });
    }
  });

function hostField(pattern: RegExp, what: string) {
  return z
    .string({ error: mustBe('a string') })
    .superRefine((text, ctx) => {
      const match = pattern.exec(text);
      if (!match || Number(match[1] ?? 0) > 65_535) {
        ctx.addIssue({
          code: 'custom',
          message: `${JSON.stringify(text)} is not ${what}: write it without scheme, credentials or path, e.g. ghcr.io or 127.0.0.1:5000`,
        });
      }
    })
    .transform((text) => text.toLowerCase());
}

/**
 * Registries allowed when the configuration names none: the public ones
 * webhooks come from. They are on public addresses, so allowing them opens
 * nothing inside the network; private registries must be listed.
 */
export const PUBLIC_REGISTRIES: readonly string[] = Object.freeze([
  'docker.io',
  'ghcr.io',
  'quay.io',
  'public.ecr.aws',
  '*.pkg.dev',
  '*.azurecr.io',
]);

/** One registry, `host[:port]`, lower-cased. */
export const registryHost = hostField(REGISTRY, 'a registry host[:port]');
/** A registry or a `*.suffix` wildcard, lower-cased (the allowlist). */
export const registryPattern = hostField(
  REGISTRY_PATTERN,
  'a registry host[:port] or *.suffix'
);

/** `a@example.com` or `Name <a@example.com>`. */
export const mailbox = z
  .string({ error: mustBe('an e-mail address') })
  .regex(
    MAILBOX,
    'must be an e-mail address, e.g. archscan <archscan@example.com>'
  );

/** A platform the engine's parser accepts: `os/arch[/variant]`. */
export const platform = z
  .string({ error: mustBe('a platform') })
  .superRefine((text, ctx) => {
    try {
      parsePlatform(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/** A list, or one comma-separated string for convenience. */
export const listOf = <T extends z.ZodType>(item: T, separator: RegExp) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(separator)
            .map((part) => part.trim())
            .filter(Boolean)
        : value,
    z.array(item, { error: mustBe('a list') })
  );

/**
 * Reads `host:port`, `[ipv6]:port`, a bare port (on 127.0.0.1), or
 * `{host, port}`; returns what is wrong as text otherwise.
 *
 * @example parseListen('[::1]:8080') // { host: '::1', port: 8080 }
 */
export function parseListen(
  value: unknown
): { host: string; port: number } | string {
  const usage =
    'must be host:port (e.g. 127.0.0.1:8080, [::1]:8080, 0.0.0.0:8080) or {host, port}';
  let host: unknown;
  let port: unknown;
  if (typeof value === 'number') {
    [host, port] = ['127.0.0.1', value];
  } else if (typeof value === 'string') {
    const match = /^(?:\[([0-9a-f:.]+)\]|([^:[\]]+)):(\d+)$/i.exec(
      value.trim()
    );
    if (!match) return `${JSON.stringify(value)} ${usage}`;
    [host, port] = [match[1] ?? match[2], Number(match[3])];
  } else if (value && typeof value === 'object' && !Array.isArray(value)) {
    const { host: h, port: p, ...rest } = value as Record<string, unknown>;
    const unknown = Object.keys(rest);
    if (unknown.length) return `unknown key ${unknown.join(', ')}: ${usage}`;
    [host, port] = [h, fromText(p)];
  } else {
    return usage;
  }
  if (
    typeof host !== 'string' ||
    !(isIP(host) || new RegExp(`^${HOST}$`, 'i').test(host))
  ) {
    return `host ${JSON.stringify(host)} is not an IP address or host name`;
  }
  if (
    typeof port !== 'number' ||
    !Number.isInteger(port) ||
    port < 1 ||
    port > 65_535
  ) {
    return `port ${JSON.stringify(port)} must be an integer from 1 to 65535`;
  }
  return { host, port };
}

/** The listen address, parsed by {@link parseListen}. */
export const listenSchema = z.unknown().transform((value, ctx) => {
  const parsed = parseListen(value);
  if (typeof parsed !== 'string') return parsed;
  ctx.addIssue({ code: 'custom', message: parsed });
  return z.NEVER;
});
