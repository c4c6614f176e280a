/**
 * The schema of the `archscan serve` config file (YAML or JSON): strict
 * objects, so a misspelt key is an error rather than a silently ignored
 * setting, with the embedded defaults of a local server. Messages name
 * what is expected; values are echoed only where they are not secrets
 * (hosts, platforms), never for URLs, secrets or tokens.
 */
import { isIP } from 'node:net';
import { z } from 'zod';
import { parsePlatform } from '../engine/platform/platform.js';
import { PROVIDER_NAMES } from '../engine/webhooks/types.js';

/** Where Google publishes the keys that sign Pub/Sub push tokens. */
export const GOOGLE_JWKS_URL = 'https://www.googleapis.com/oauth2/v3/certs';

/** Defaults of a local server; each is documented where it is used. */
export const SERVE_DEFAULTS = Object.freeze({
  // Loopback: nothing outside this machine can reach a fresh install.
  listen: '127.0.0.1:8080',
  // Registries push in bursts (an index and its manifests, several tags).
  coalesceSeconds: 10,
  // An hour covers every provider's own retry schedule (Harbor: 3 tries).
  replayWindowSeconds: 3_600,
  // Two scans at once keep a laptop usable while layers download.
  concurrency: 2,
  maxAttempts: 5,
  // Locally people want the verdict now, not after a grace window.
  graceSeconds: 0,
});

/** Webhook secrets and the API token guard the server: long enough not to guess. */
export const MIN_SECRET_LENGTH = 16;

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
const expect = (what: string) => (issue: { input?: unknown }) =>
  issue.input === undefined ? 'is required' : `must be ${what}`;

/** Numbers and booleans may arrive as text from `${ENV}` substitution. */
const fromText = (value: unknown) => {
  if (typeof value !== 'string') return value;
  const trimmed = value.trim();
  if (/^-?\d+$/.test(trimmed)) return Number(trimmed);
  if (trimmed === 'true' || trimmed === 'false') return trimmed === 'true';
  return value;
};

/** An integer in `[min, max]`, `fallback` when absent. */
export function integer(min: number, max: number, fallback: number) {
  const error = `must be an integer from ${min} to ${max}`;
  return z
    .preprocess(
      fromText,
      z.number({ error }).int({ error }).min(min, { error }).max(max, { error })
    )
    .default(fallback);
}

const flag = (fallback: boolean) =>
  z
    .preprocess(fromText, z.boolean({ error: expect('true or false') }))
    .default(fallback);

/** A secret: never echoed, at least `min` characters. */
const secret = (min = 1) =>
  z
    .string({ error: expect('a string') })
    .min(
      min,
      min > 1
        ? `must be at least ${min} characters (e.g. the output of openssl rand -hex 32)`
        : 'must not be empty'
    );

/** True for `localhost`, 127.0.0.0/8 and ::1. */
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
const httpsUrl = (example: string) =>
  z.string({ error: expect('a URL') }).refine(
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

const smtpUrl = z.string({ error: expect('a URL') }).refine(
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
const plainUrl = z
  .string({ error: expect('a URL') })
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
    .string({ error: expect('a string') })
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

const registryHost = hostField(REGISTRY, 'a registry host[:port]');
const registryPattern = hostField(
  REGISTRY_PATTERN,
  'a registry host[:port] or *.suffix'
);

const mailbox = z
  .string({ error: expect('an e-mail address') })
  .regex(
    MAILBOX,
    'must be an e-mail address, e.g. archscan <archscan@example.com>'
  );

const platform = z
  .string({ error: expect('a platform') })
  .superRefine((text, ctx) => {
    try {
      parsePlatform(text);
    } catch (error) {
      ctx.addIssue({ code: 'custom', message: (error as Error).message });
    }
  });

/** A list, or one comma-separated string for convenience. */
const listOf = <T extends z.ZodType>(item: T, separator: RegExp) =>
  z.preprocess(
    (value) =>
      typeof value === 'string'
        ? value
            .split(separator)
            .map((part) => part.trim())
            .filter(Boolean)
        : value,
    z.array(item, { error: expect('a list') })
  );

const platformRule = z.strictObject({
  pattern: z
    .string({ error: expect('a repository pattern') })
    .min(1, 'must not be empty'),
  platforms: listOf(platform, /,/),
});

const providerSchema = z.strictObject({
  secret: secret(MIN_SECRET_LENGTH).optional(),
  registry: registryHost.optional(),
  oidc: z
    .strictObject({
      audience: z
        .string({ error: expect('a string') })
        .min(1, 'must not be empty'),
      email: mailbox.optional(),
      jwksUrl: httpsUrl(GOOGLE_JWKS_URL).default(GOOGLE_JWKS_URL),
    })
    .optional(),
});

const providersSchema = z
  .strictObject(
    Object.fromEntries(
      PROVIDER_NAMES.map((name) => [name, providerSchema.optional()])
    ) as Record<
      (typeof PROVIDER_NAMES)[number],
      z.ZodOptional<typeof providerSchema>
    >
  )
  .superRefine((providers, ctx) => {
    for (const [name, settings] of Object.entries(providers)) {
      if (settings?.oidc && name !== 'gar') {
        ctx.addIssue({
          code: 'custom',
          path: [name, 'oidc'],
          message: `only gar deliveries carry OIDC tokens; ${name} uses secret`,
        });
      }
    }
  });

const storeSchema = z.discriminatedUnion(
  'kind',
  [
    z.strictObject({ kind: z.literal('embedded') }),
    z.strictObject({
      kind: z.literal('dynamodb'),
      tableName: z
        .string({ error: expect('a table name') })
        .regex(
          /^[A-Za-z0-9_.-]{3,255}$/,
          'must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)'
        ),
      endpoint: plainUrl.optional(),
      region: z
        .string({ error: expect('a string') })
        .regex(
          /^[a-z]{2}(?:-[a-z]+)+-\d+$/,
          'must be an AWS Region such as eu-west-1'
        )
        .optional(),
    }),
  ],
  { error: 'must be embedded or dynamodb' }
);

/** `host:port`, `[ipv6]:port`, a bare port (on 127.0.0.1), or `{host, port}`. */
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

const listenSchema = z.unknown().transform((value, ctx) => {
  const parsed = parseListen(value);
  if (typeof parsed !== 'string') return parsed;
  ctx.addIssue({ code: 'custom', message: parsed });
  return z.NEVER;
});

/** The whole file; every section optional. */
export const serveFileSchema = z.strictObject({
  listen: listenSchema.prefault(SERVE_DEFAULTS.listen),
  publicUrl: plainUrl.optional(),
  stateDir: z
    .string({ error: expect('a directory') })
    .min(1, 'must not be empty')
    .optional(),
  store: storeSchema.prefault({ kind: 'embedded' }),
  registries: z
    .strictObject({ allow: listOf(registryPattern, /[\s,]+/).default([]) })
    .prefault({}),
  webhooks: z
    .strictObject({
      coalesceSeconds: integer(0, 3_600, SERVE_DEFAULTS.coalesceSeconds),
      replayWindowSeconds: integer(
        60,
        604_800,
        SERVE_DEFAULTS.replayWindowSeconds
      ),
      providers: providersSchema.prefault({}),
    })
    .prefault({}),
  queue: z
    .strictObject({
      concurrency: integer(1, 64, SERVE_DEFAULTS.concurrency),
      maxAttempts: integer(1, 100, SERVE_DEFAULTS.maxAttempts),
    })
    .prefault({}),
  scan: z
    .strictObject({
      graceSeconds: integer(0, 86_400, SERVE_DEFAULTS.graceSeconds),
      notifySeverity: z.enum(['error', 'warning']).default('error'),
      expectedPlatforms: z
        .array(platformRule, { error: expect('a list') })
        .default([]),
    })
    .prefault({}),
  notify: z
    .strictObject({
      log: flag(true),
      slack: z
        .strictObject({
          webhookUrl: httpsUrl('https://hooks.slack.com/services/…'),
        })
        .optional(),
      smtp: z
        .strictObject({
          url: smtpUrl,
          from: mailbox,
          to: listOf(mailbox, /,/).pipe(
            z.array(z.string()).min(1, 'must name at least one recipient')
          ),
        })
        .optional(),
      webhooks: z
        .array(
          z.strictObject({
            url: httpsUrl('https://hooks.example.com/archscan'),
            secret: secret().optional(),
          }),
          { error: expect('a list') }
        )
        .default([]),
    })
    .prefault({}),
  api: z
    .strictObject({ token: secret(MIN_SECRET_LENGTH).optional() })
    .prefault({}),
});

export type ServeFile = z.infer<typeof serveFileSchema>;
