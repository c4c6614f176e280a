/**
 * The webhook secret (WEBHOOK_SECRET_ARN), read into provider settings.
 * Its value is a JSON object: `token`, generated at deployment, is every
 * provider's default credential; a key per provider overrides it with a
 * string (the provider's secret) or an object:
 *
 * ```json
 * {
 *   "token": "generated-40-characters",
 *   "ghcr": "hmac-secret",
 *   "jfrog": { "secret": "…", "registry": "acme.jfrog.io" },
 *   "gar": { "audience": "https://…/webhooks/gar", "email": "push@proj.iam.gserviceaccount.com" }
 * }
 * ```
 *
 * `registry` pins every image of the provider to one registry; `audience`
 * and `email` turn on Pub/Sub OIDC verification (Google Artifact Registry).
 * Keys that name no enabled provider are ignored. Errors name keys, never
 * values.
 */
import type { JWTVerifyGetKey } from 'jose';
import { z } from 'zod';
import { ScannerError } from '../../lib/engine/errors.js';
import type { ProviderName } from '../../lib/engine/webhooks/types.js';
import type { ProviderSettings } from '../../lib/usecases/accept-webhook.js';

const entrySchema = z.union([
  z.string().min(1),
  z
    .object({
      secret: z.string().min(1).optional(),
      registry: z.string().min(1).max(255).optional(),
      audience: z.string().min(1).optional(),
      email: z.string().min(1).optional(),
    })
    .strict(),
]);

type Entry = z.infer<typeof entrySchema>;

/**
 * Settings of each enabled provider. A provider with neither its own key
 * nor a `token` still gets settings, so its deliveries are refused with
 * 401 "no secret configured" rather than 404.
 *
 * @throws ScannerError (code `config`, answered 500 and logged) when the
 *   value is not a JSON object of the shape above, or names an OIDC
 *   audience without `keys` to check tokens with.
 * @example
 * providerSettings('{"token":"t","jfrog":{"registry":"acme.jfrog.io"}}', ['jfrog'])
 * // { jfrog: { secret: 't', registry: 'acme.jfrog.io' } }
 */
export function providerSettings(
  secretText: string,
  enabled: readonly ProviderName[],
  keys?: JWTVerifyGetKey
): Partial<Record<ProviderName, ProviderSettings>> {
  const json = parseObject(secretText);
  const token = entry(json, 'token', z.string().min(1));
  return Object.fromEntries(
    enabled.map((name) => [
      name,
      settingsOf(name, entry(json, name, entrySchema), token, keys),
    ])
  );
}

function settingsOf(
  name: ProviderName,
  value: Entry | undefined,
  token: string | undefined,
  keys: JWTVerifyGetKey | undefined
): ProviderSettings {
  const own = typeof value === 'string' ? { secret: value } : (value ?? {});
  const secret = own.secret ?? token;
  if (own.audience !== undefined && own.email === undefined) {
    // Any Google account can mint a token for our audience from its own project.
    throw invalid(
      `key ${name} sets an audience without the email of the push subscription's service account`
    );
  }
  if (own.audience !== undefined && keys === undefined) {
    throw invalid(`key ${name} sets an audience, but ${name} has no OIDC keys`);
  }
  return {
    ...(secret !== undefined ? { secret } : {}),
    ...(own.registry !== undefined ? { registry: own.registry } : {}),
    ...(own.audience !== undefined && keys !== undefined
      ? {
          oidc: {
            audience: own.audience,
            keys,
            ...(own.email !== undefined ? { email: own.email } : {}),
          },
        }
      : {}),
  };
}

function parseObject(text: string): Record<string, unknown> {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    json = undefined;
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw invalid('the value is not a JSON object');
  }
  return json as Record<string, unknown>;
}

function entry<T extends z.ZodType>(
  json: Record<string, unknown>,
  key: string,
  schema: T
): z.infer<T> | undefined {
  if (!Object.hasOwn(json, key)) return undefined;
  const parsed = schema.safeParse(json[key]);
  if (parsed.success) return parsed.data;
  throw invalid(
    `key ${key} must be a non-empty string${key === 'token' ? '' : ' or an object with secret, registry, audience and email'}`
  );
}

function invalid(problem: string): ScannerError {
  return new ScannerError(
    'config',
    `the webhook secret (WEBHOOK_SECRET_ARN) is malformed: ${problem}; fix its value in Secrets Manager`
  );
}
