/**
 * GitHub Container Registry (reference/oci-and-registries.md §7.3):
 * repository, organization or App webhooks for the `registry_package` and
 * `package` events. GitHub sends one delivery per manifest, so a
 * multi-arch push arrives as the tagged index plus one untagged delivery
 * per platform manifest; the media type in each lets the intake scan the
 * index only. Deliveries are signed: `X-Hub-Signature-256` is
 * `sha256=hex(HMAC-SHA256(secret, raw body))`
 * (https://docs.github.com/en/webhooks/using-webhooks/validating-webhook-deliveries).
 */
import { z } from 'zod';
import { isDigest } from '../../digest/digest.js';
import { ConfigError, WebhookError } from '../../errors.js';
import { parseRegistryReference } from '../../reference/reference.js';
import type {
  ParsedDelivery,
  PushedImage,
  WebhookDelivery,
  WebhookProvider,
} from '../types.js';
import {
  bodyDigest,
  hmacSha256Hex,
  readJson,
  requireSecret,
  safeEqual,
} from '../verify.js';
import { label, withoutCredentials } from './payload-checks.js';

const NAME = 'ghcr';
const REGISTRY = 'ghcr.io';
const SIGNATURE_HEADER = 'x-hub-signature-256';
const SIGNATURE = /^sha256=([0-9a-f]{64})$/i;

/** Events that carry package versions; anything else is not a push. */
const PACKAGE_EVENTS = ['registry_package', 'package'] as const;
type PackageEvent = (typeof PACKAGE_EVENTS)[number];
const PUSH_ACTIONS = new Set(['published', 'updated']);

/**
 * Go's zero `time.Time` (`0001-01-01T00:00:00Z`) appears in GitHub's
 * documented payloads; times before this are treated as absent.
 */
const EARLIEST_TIME = Date.UTC(2000, 0, 1);

/** Just enough to decide whether the delivery is a container push. */
const envelopeSchema = z.object({
  action: z.string(),
  registry_package: z.object({ package_type: z.string() }).optional(),
  package: z.object({ package_type: z.string() }).optional(),
});

const packageSchema = z.object({
  name: z.string().min(1),
  namespace: z.string().nullish(),
  owner: z.object({ login: z.string().min(1) }).nullish(),
  package_version: z.object({
    version: z.string().nullish(),
    package_url: z.string().nullish(),
    created_at: z.string().nullish(),
    updated_at: z.string().nullish(),
    container_metadata: z
      .object({
        tag: z
          .object({ name: z.string().nullish(), digest: z.string().nullish() })
          .nullish(),
        manifest: z.object({ media_type: z.string().nullish() }).nullish(),
      })
      .nullish(),
  }),
});

type Package = z.infer<typeof packageSchema>;

/**
 * GHCR: `POST /webhooks/ghcr`, signed with the webhook's secret.
 *
 * @example
 * await ghcr.authenticate(delivery, { secret: 'webhook secret' });
 * ghcr.parse(delivery); // headers['x-github-event'] === 'registry_package'
 * // { kind: 'push', images: [{ registry: 'ghcr.io', repository: 'octo-org/app', tag: '1.4.0', digest: 'sha256:…' }], … }
 */
export const ghcr: WebhookProvider = {
  name: NAME,
  title: 'GitHub Container Registry',
  docs: 'https://docs.github.com/en/webhooks/webhook-events-and-payloads#registry_package',
  auth: 'hmac-sha256',

  async authenticate(delivery, credentials) {
    const secret = requireSecret(credentials.secret, NAME);
    const header = delivery.headers[SIGNATURE_HEADER];
    if (header === undefined) {
      throw new WebhookError(
        401,
        `${NAME} delivery without X-Hub-Signature-256: set a secret on the GitHub webhook`
      );
    }
    const match = SIGNATURE.exec(header.trim());
    if (!match) {
      throw new WebhookError(
        401,
        `${NAME} delivery with a malformed X-Hub-Signature-256: expected sha256=<64 hex digits>`
      );
    }
    const expected = hmacSha256Hex(secret, delivery.body);
    if (!safeEqual((match[1] as string).toLowerCase(), expected)) {
      throw new WebhookError(
        401,
        `${NAME} delivery with a wrong X-Hub-Signature-256: the body or the secret differs`
      );
    }
  },

  parse(delivery: WebhookDelivery): ParsedDelivery {
    const event = delivery.headers['x-github-event'];
    if (!event) {
      throw new WebhookError(
        400,
        `${NAME} delivery without X-GitHub-Event: not a GitHub webhook delivery`
      );
    }
    if (event === 'ping') return { kind: 'ping' };
    if (!isPackageEvent(event)) {
      return { kind: 'ignored', reason: `event ${label(event)}` };
    }
    const json = readJson(delivery, NAME);
    const envelope = envelopeSchema.safeParse(json);
    if (!envelope.success) throw invalidPayload(envelope.error);
    const { action } = envelope.data;
    const type = envelope.data[event]?.package_type;
    if (type === undefined) {
      throw new WebhookError(
        400,
        `${NAME} ${event} delivery without ${event}.package_type`
      );
    }
    if (!PUSH_ACTIONS.has(action)) {
      return { kind: 'ignored', reason: `action ${label(action)}` };
    }
    if (type.toLowerCase() !== 'container') {
      return { kind: 'ignored', reason: `package type ${label(type)}` };
    }
    const pkg = packageSchema.safeParse(
      (json as Record<string, unknown>)[event]
    );
    if (!pkg.success) throw invalidPayload(pkg.error, event);
    const sentAt = versionTime(pkg.data);
    return {
      kind: 'push',
      images: [pushedImage(pkg.data)],
      deliveryId: bodyDigest(delivery.body),
      ...(sentAt ? { sentAt } : {}),
      ignored: 0,
    };
  },
};

function isPackageEvent(event: string): event is PackageEvent {
  return (PACKAGE_EVENTS as readonly string[]).includes(event);
}

function pushedImage(pkg: Package): PushedImage {
  const version = pkg.package_version;
  const metadata = version.container_metadata;
  const tag = metadata?.tag?.name || undefined;
  const digest = [metadata?.tag?.digest, version.version].find(
    (value): value is string => typeof value === 'string' && isDigest(value)
  );
  if (!tag && !digest) {
    throw new WebhookError(
      400,
      `${NAME} delivery names neither a tag nor a digest: container_metadata.tag is empty and package_version.version is not a digest`
    );
  }
  const repository = repositoryOf(pkg);
  let text = `${REGISTRY}/${repository}`;
  if (tag) text += `:${tag}`;
  if (digest) text += `@${digest}`;
  try {
    parseRegistryReference(text);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    throw new WebhookError(
      400,
      `${NAME} delivery names no valid image: ${withoutCredentials(error.message)}`
    );
  }
  const mediaType = metadata?.manifest?.media_type || undefined;
  return {
    registry: REGISTRY,
    repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    ...(mediaType ? { mediaType } : {}),
  };
}

/**
 * `<owner>/<package>` in lower case, as GHCR names it. `package_url`
 * (`ghcr.io/Owner/name:tag`) is the most direct source; without it the
 * owner's login and the package name are joined. `namespace` comes last:
 * in GitHub's documented examples it holds a repository, not the owner.
 */
function repositoryOf(pkg: Package): string {
  const fromUrl = repositoryFromUrl(pkg.package_version.package_url);
  if (fromUrl) return fromUrl;
  const owner = pkg.owner?.login || pkg.namespace;
  if (!owner) {
    throw new WebhookError(
      400,
      `${NAME} delivery names no owner: expected package_version.package_url, owner.login or namespace`
    );
  }
  return `${owner}/${pkg.name}`.toLowerCase();
}

function repositoryFromUrl(url: string | null | undefined): string | undefined {
  const prefix = `${REGISTRY}/`;
  if (!url?.toLowerCase().startsWith(prefix)) return undefined;
  let path = url.slice(prefix.length);
  const at = path.indexOf('@');
  if (at >= 0) path = path.slice(0, at);
  const colon = path.lastIndexOf(':');
  if (colon > path.lastIndexOf('/')) path = path.slice(0, colon);
  return path ? path.toLowerCase() : undefined;
}

/** When the version changed: `updated_at`, else `created_at`, when real. */
function versionTime(pkg: Package): Date | undefined {
  const { updated_at: updated, created_at: created } = pkg.package_version;
  for (const text of [updated, created]) {
    if (!text) continue;
    const time = Date.parse(text);
    if (Number.isFinite(time) && time >= EARLIEST_TIME) return new Date(time);
  }
  return undefined;
}

/** An untrusted word for a log line: short, printable. */

function invalidPayload(error: z.ZodError, prefix?: string): WebhookError {
  const issue = error.issues[0];
  const path = [...(prefix ? [prefix] : []), ...(issue?.path ?? [])];
  const where = path.map(String).join('.') || 'body';
  const why = issue ? lowerFirst(issue.message) : 'unexpected shape';
  return new WebhookError(
    400,
    `${NAME} delivery is not a GitHub package payload: ${where}: ${why}`
  );
}

function lowerFirst(text: string): string {
  return text.charAt(0).toLowerCase() + text.slice(1);
}
