/**
 * The schema of the `archscan serve` config file (YAML or JSON): strict
 * objects, so a misspelt key is an error rather than a silently ignored
 * setting, with the embedded defaults of a local server. Messages name
 * what is expected; values are echoed only where they are not secrets
 * (hosts, platforms), never for URLs, secrets or tokens.
 */
import { z } from 'zod';
import { PROVIDER_NAMES } from '../engine/webhooks/types.js';
import {
  flag,
  httpsUrl,
  integer,
  listenSchema,
  listOf,
  mailbox,
  mustBe,
  PUBLIC_REGISTRIES,
  plainUrl,
  platform,
  registryHost,
  registryPattern,
  secret,
  smtpUrl,
} from './config-fields.js';

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

const platformRule = z.strictObject({
  pattern: z
    .string({ error: mustBe('a repository pattern') })
    .min(1, 'must not be empty'),
  platforms: listOf(platform, /,/),
});

const providerSchema = z.strictObject({
  secret: secret(MIN_SECRET_LENGTH).optional(),
  registry: registryHost.optional(),
  oidc: z
    .strictObject({
      audience: z
        .string({ error: mustBe('a string') })
        .min(1, 'must not be empty'),
      // Required: any Google account can mint a token for our audience.
      email: mailbox,
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
        .string({ error: mustBe('a table name') })
        .regex(
          /^[A-Za-z0-9_.-]{3,255}$/,
          'must be a DynamoDB table name (3 to 255 of A-Z a-z 0-9 _ . -)'
        ),
      endpoint: plainUrl.optional(),
      region: z
        .string({ error: mustBe('a string') })
        .regex(
          /^[a-z]{2}(?:-[a-z]+)+-\d+$/,
          'must be an AWS Region such as eu-west-1'
        )
        .optional(),
    }),
  ],
  { error: 'must be embedded or dynamodb' }
);

/** The whole file; every section optional. */
export const serveFileSchema = z.strictObject({
  listen: listenSchema.prefault(SERVE_DEFAULTS.listen),
  publicUrl: plainUrl.optional(),
  stateDir: z
    .string({ error: mustBe('a directory') })
    .min(1, 'must not be empty')
    .optional(),
  store: storeSchema.prefault({ kind: 'embedded' }),
  registries: z
    .strictObject({
      allow: listOf(registryPattern, /[\s,]+/).default([...PUBLIC_REGISTRIES]),
    })
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
        .array(platformRule, { error: mustBe('a list') })
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
          { error: mustBe('a list') }
        )
        .default([]),
    })
    .prefault({}),
  api: z
    .strictObject({ token: secret(MIN_SECRET_LENGTH).optional() })
    .prefault({}),
});

/** The file after validation and defaults, before paths are resolved. */
export type ServeFile = z.infer<typeof serveFileSchema>;
