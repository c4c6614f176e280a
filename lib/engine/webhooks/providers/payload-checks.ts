/**
 * Checks the provider modules share once a delivery is authenticated: the
 * body held against a zod schema, event times, manifest media types, and
 * the image a payload names, held against the reference grammar
 * (reference/oci-and-registries.md §1.1, §1.6). A payload only hints at
 * what to scan, but a hint that does not even parse is refused here, so
 * nothing malformed reaches the queue. Every failure is a WebhookError 400
 * naming the provider and the bad value.
 */
import type { z } from 'zod';
import { parseDigest } from '../../digest/digest.js';
import { WebhookError } from '../../errors.js';
import { INDEX_TYPES, MANIFEST_TYPES } from '../../media-types.js';
import { parseRegistryReference } from '../../reference/reference.js';
import type { PushedImage, WebhookDelivery } from '../types.js';
import { readJson } from '../verify.js';

/** The fields of a pushed image as a payload gives them, before checking. */
export interface ImageFields {
  readonly registry?: string | undefined;
  readonly repository: string;
  /** Empty strings count as absent (untagged pushes). */
  readonly tag?: string | undefined;
  readonly digest?: string | undefined;
  readonly mediaType?: string | undefined;
}

/** The same grammar as `reference.ts`: a DNS name or bracketed IPv6, optional port. */
const HOST =
  /^(?:[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?(?:\.[a-zA-Z0-9](?:[a-zA-Z0-9-]*[a-zA-Z0-9])?)*|\[[0-9a-fA-F:.]+\])(?::[0-9]{1,5})?$/;

/** RFC 3339 date-time; `Date.parse` alone accepts far looser text (`"1"` is 2001). */
const RFC3339 =
  /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}:\d{2}(?:\.\d+)?(?:[Zz]|[+-]\d{2}:\d{2})$/;

/** A host that is certainly a registry host, for checking names on their own. */
const PLACEHOLDER_HOST = 'localhost';

/**
 * Reads the body as JSON and holds it against `schema`.
 *
 * @example readPayload(delivery, envelopeSchema, 'distribution')
 * @throws WebhookError 400 when the body is not JSON or not of that shape.
 */
export function readPayload<T>(
  delivery: WebhookDelivery,
  schema: z.ZodType<T>,
  provider: string
): T {
  return checkShape(schema, readJson(delivery, provider), provider);
}

/**
 * Holds an already parsed value against `schema`.
 *
 * @example checkShape(eventSchema, JSON.parse(text), 'acr')
 * @throws WebhookError 400 naming the first field that is wrong.
 */
export function checkShape<T>(
  schema: z.ZodType<T>,
  value: unknown,
  provider: string
): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(top level)';
  throw new WebhookError(
    400,
    `${provider} delivery has an unexpected shape at ${where}: ${issue?.message ?? 'invalid'}`,
    { cause: result.error }
  );
}

/**
 * An RFC 3339 timestamp as a Date.
 *
 * @example eventTime('2025-01-17T16:52:01.343145347Z', 'acr', 'timestamp')
 * @throws WebhookError 400 when the text is not an RFC 3339 date-time.
 */
export function eventTime(text: string, provider: string, field: string): Date {
  const date = new Date(text);
  if (!RFC3339.test(text) || Number.isNaN(date.getTime())) {
    throw new WebhookError(
      400,
      `${provider} delivery has ${field} ${quote(text)}, which is not an RFC 3339 date-time`
    );
  }
  return date;
}

/**
 * Unix seconds as a Date.
 *
 * @example unixTime(1680501893, 'harbor', 'occur_at')
 * @throws WebhookError 400 when the number is not a representable time.
 */
export function unixTime(
  seconds: number,
  provider: string,
  field: string
): Date {
  const date = new Date(seconds * 1000);
  if (!Number.isFinite(seconds) || seconds < 0 || Number.isNaN(date.getTime()))
    throw new WebhookError(
      400,
      `${provider} delivery has ${field} ${seconds}, which is not a unix time in seconds`
    );
  return date;
}

/**
 * The latest of some dates, or undefined when there are none.
 *
 * @example latest([new Date(1), new Date(3), new Date(2)]) // new Date(3)
 */
export function latest(dates: readonly Date[]): Date | undefined {
  let newest: Date | undefined;
  for (const date of dates) {
    if (!newest || date.getTime() > newest.getTime()) newest = date;
  }
  return newest;
}

/**
 * True for image manifest and index media types, the pushes worth a scan
 * (blobs, configs and Helm chart layers are not). Parameters and case are
 * ignored, as in HTTP content types.
 *
 * @example isManifestType('application/vnd.oci.image.index.v1+json') // true
 */
export function isManifestType(mediaType: string | undefined): boolean {
  if (!mediaType) return false;
  const bare = (mediaType.split(';')[0] ?? '').trim().toLowerCase();
  return INDEX_TYPES.has(bare) || MANIFEST_TYPES.has(bare);
}

/**
 * The `host[:port]` of an absolute URL, lower case.
 *
 * @example urlHost('https://Registry.example.com/v2/a/manifests/1', 'distribution') // 'registry.example.com'
 * @throws WebhookError 400 when the text is not an absolute URL.
 */
export function urlHost(url: string, provider: string): string {
  try {
    return new URL(url).host.toLowerCase();
  } catch (error) {
    throw new WebhookError(
      400,
      `${provider} delivery has url ${quote(url)}, which is not an absolute URL`,
      { cause: error }
    );
  }
}

/**
 * A pushed image whose parts all follow the reference grammar: a registry
 * host (lower-cased), lower-case repository path components, a tag of at
 * most 128 characters, an `algorithm:hex` digest archscan can verify. Empty
 * tags and digests count as absent; at least one of the two must remain.
 *
 * @example checkImage('acr', { registry: 'myregistry.azurecr.io', repository: 'my-api', tag: '1.4.0' })
 * @throws WebhookError 400 naming the part that is wrong.
 */
export function checkImage(provider: string, fields: ImageFields): PushedImage {
  const tag = fields.tag || undefined;
  const digest = fields.digest || undefined;
  const registry = fields.registry
    ? checkHost(provider, fields.registry)
    : undefined;
  checkRepository(provider, fields.repository);
  if (tag !== undefined) checkTag(provider, tag);
  if (digest !== undefined) checkDigest(provider, digest);
  if (tag === undefined && digest === undefined) {
    throw new WebhookError(
      400,
      `${provider} delivery names ${quote(fields.repository)} with neither a tag nor a digest: there is nothing to scan`
    );
  }
  return {
    ...(registry ? { registry } : {}),
    repository: fields.repository,
    ...(tag ? { tag } : {}),
    ...(digest ? { digest } : {}),
    ...(fields.mediaType ? { mediaType: fields.mediaType } : {}),
  };
}

function checkHost(provider: string, host: string): string {
  if (!HOST.test(host)) {
    throw new WebhookError(
      400,
      `${provider} delivery names registry host ${quote(host)}, which is not host[:port]`
    );
  }
  return host.toLowerCase();
}

function checkRepository(provider: string, repository: string): void {
  if (parsedName(`${repository}:t`)?.repository !== repository) {
    throw new WebhookError(
      400,
      `${provider} delivery names repository ${quote(repository)}, which is not lower-case path components such as team/my-api`
    );
  }
}

function checkTag(provider: string, tag: string): void {
  if (parsedName(`r:${tag}`)?.tag !== tag) {
    throw new WebhookError(
      400,
      `${provider} delivery names tag ${quote(tag)}, which does not match [a-zA-Z0-9_][a-zA-Z0-9._-]{0,127}`
    );
  }
}

function checkDigest(provider: string, digest: string): void {
  try {
    parseDigest(digest);
  } catch (error) {
    throw new WebhookError(
      400,
      `${provider} delivery names digest ${quote(digest)}, which is not sha256:<64 hex> or sha512:<128 hex>`,
      { cause: error }
    );
  }
}

/**
 * Parses `name` behind a fixed host, so the result is comparable with what
 * went in: anything the grammar reads differently (an `@` or `:` inside a
 * repository, a `/` inside a tag) comes back changed and is refused.
 */
function parsedName(
  name: string
): { repository: string; tag?: string } | undefined {
  try {
    const ref = parseRegistryReference(`${PLACEHOLDER_HOST}/${name}`);
    if (ref.registry !== PLACEHOLDER_HOST || ref.digest) return undefined;
    return ref;
  } catch {
    return undefined;
  }
}

/**
 * A payload value cut to 80 characters, for reasons and messages.
 *
 * @example clip('x'.repeat(100)) // 77 × 'x', then '...'
 */
export function clip(value: string): string {
  const shown = withoutCredentials(value);
  return shown.length > 80 ? `${shown.slice(0, 77)}...` : shown;
}

/**
 * `text` with every `user:password@` (or `user@`) before a host replaced
 * by `…@`: a value echoed in an answer or a log never carries credentials.
 *
 * @example withoutCredentials('bad "u:p@ghcr.io/x"') // 'bad "…@ghcr.io/x"'
 */
export function withoutCredentials(text: string): string {
  return text.replace(/(^|[\s"'(/])[^\s"'()/@]+@/g, '$1…@');
}

/** A short name for a value of unknown shape: word characters only, clipped. */
export function label(text: string): string {
  const clean = clip(text).replace(/[^\w.…-]/g, '?');
  return clean.length > 40 ? `${clean.slice(0, 37)}...` : clean;
}

function quote(value: string): string {
  return JSON.stringify(clip(value));
}
