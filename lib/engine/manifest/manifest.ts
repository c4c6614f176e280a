/**
 * Parsing fetched manifest documents: OCI index / Docker manifest list, OCI
 * image manifest / Docker schema 2 manifest, and image configs. Untrusted
 * bytes go in; a typed document or a FormatError naming the bad field comes
 * out. See OCI image-spec `image-index.md`, `manifest.md`, `config.md` and
 * reference/oci-and-registries.md §2.5 for the classification rules.
 */
import { z } from 'zod';
import { FormatError, UnsupportedMediaTypeError } from '../errors.js';
import {
  INDEX_TYPES,
  MANIFEST_TYPES,
  MediaType,
  SCHEMA1_TYPES,
} from '../media-types.js';

/** Manifests larger than this are refused (Distribution's own limit is 4 MiB). */
export const MAX_MANIFEST_BYTES = 4 * 1024 * 1024;
/** Configs larger than this are refused; real ones are a few KiB. */
export const MAX_CONFIG_BYTES = 8 * 1024 * 1024;

const digestField = z
  .string()
  .regex(/^[a-z0-9]+(?:[+._-][a-z0-9]+)*:[a-zA-Z0-9=_-]+$/);

const platformSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  'os.version': z.string().optional(),
  'os.features': z.array(z.string()).optional(),
});

const descriptorSchema = z.object({
  mediaType: z.string(),
  digest: digestField,
  size: z.number().int().nonnegative(),
  urls: z.array(z.string()).optional(),
  annotations: z.record(z.string(), z.string()).optional(),
  artifactType: z.string().optional(),
  platform: platformSchema.optional(),
});

export type Descriptor = z.infer<typeof descriptorSchema>;

const indexSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  manifests: z.array(descriptorSchema),
  annotations: z.record(z.string(), z.string()).optional(),
});

const manifestSchema = z.object({
  schemaVersion: z.literal(2),
  mediaType: z.string().optional(),
  artifactType: z.string().optional(),
  config: descriptorSchema,
  layers: z.array(descriptorSchema),
  subject: descriptorSchema.optional(),
  annotations: z.record(z.string(), z.string()).optional(),
});

const configSchema = z.object({
  architecture: z.string(),
  os: z.string(),
  variant: z.string().optional(),
  config: z
    .object({
      Entrypoint: z.array(z.string()).nullish(),
      Cmd: z.array(z.string()).nullish(),
      Env: z.array(z.string()).nullish(),
      WorkingDir: z.string().nullish(),
    })
    .nullish(),
  rootfs: z
    .object({ type: z.string(), diff_ids: z.array(z.string()) })
    .optional(),
});

export type ImageConfig = z.infer<typeof configSchema>;

/** An index or manifest list. */
export interface IndexDocument {
  readonly kind: 'index';
  readonly mediaType: string;
  readonly manifests: Descriptor[];
}

/** A single-platform image manifest (or an artifact manifest). */
export interface ManifestDocument {
  readonly kind: 'manifest';
  readonly mediaType: string;
  readonly artifactType?: string;
  readonly config: Descriptor;
  readonly layers: Descriptor[];
}

export type Document = IndexDocument | ManifestDocument;

/**
 * Parses a manifest document. `contentType` is the registry's
 * `Content-Type` (parameters ignored); when it is missing or generic the
 * body's `mediaType` decides.
 *
 * @throws FormatError for malformed JSON or fields, UnsupportedMediaTypeError
 *   for schema 1 and unknown document types.
 */
export function parseDocument(
  bytes: Uint8Array,
  contentType?: string
): Document {
  if (bytes.length > MAX_MANIFEST_BYTES) {
    throw new FormatError(
      `manifest is ${bytes.length} bytes, over the ${MAX_MANIFEST_BYTES}-byte limit`
    );
  }
  const body = parseJson(bytes, 'manifest');
  const header = contentType?.split(';')[0]?.trim().toLowerCase();
  const bodyType =
    isObject(body) && typeof body.mediaType === 'string'
      ? body.mediaType
      : undefined;
  if (isObject(body) && body.schemaVersion === 1) {
    throw new UnsupportedMediaTypeError(
      bodyType ?? MediaType.dockerSchema1,
      'docker schema 1 manifests are not supported: re-push the image with a current docker or buildx to get a schema 2 or OCI manifest'
    );
  }
  const generic =
    !header ||
    header === 'application/json' ||
    header === 'application/octet-stream' ||
    header === 'text/plain';
  const mediaType = generic ? (bodyType ?? inferType(body)) : header;
  if (!generic && bodyType && bodyType !== header) {
    throw new FormatError(
      `manifest mediaType ${JSON.stringify(bodyType)} differs from content type ${JSON.stringify(header)}`
    );
  }
  if (SCHEMA1_TYPES.has(mediaType)) {
    throw new UnsupportedMediaTypeError(
      mediaType,
      'docker schema 1 manifests are not supported: re-push the image with a current docker or buildx to get a schema 2 or OCI manifest'
    );
  }
  if (INDEX_TYPES.has(mediaType)) {
    const index = check(indexSchema, body, 'index');
    return { kind: 'index', mediaType, manifests: index.manifests };
  }
  if (MANIFEST_TYPES.has(mediaType)) {
    const manifest = check(manifestSchema, body, 'manifest');
    return {
      kind: 'manifest',
      mediaType,
      config: manifest.config,
      layers: manifest.layers,
      ...(manifest.artifactType ? { artifactType: manifest.artifactType } : {}),
    };
  }
  throw new UnsupportedMediaTypeError(
    mediaType,
    `unsupported manifest media type ${JSON.stringify(mediaType)}`
  );
}

/** OCI allows a body without mediaType; tell an index from a manifest by shape. */
function inferType(body: unknown): string {
  if (isObject(body) && Array.isArray(body.manifests))
    return MediaType.ociIndex;
  if (isObject(body) && isObject(body.config)) return MediaType.ociManifest;
  return 'unknown';
}

/**
 * Parses an image config blob.
 *
 * @throws FormatError naming the first bad field.
 */
export function parseConfig(bytes: Uint8Array): ImageConfig {
  if (bytes.length > MAX_CONFIG_BYTES) {
    throw new FormatError(
      `image config is ${bytes.length} bytes, over the ${MAX_CONFIG_BYTES}-byte limit`
    );
  }
  return check(configSchema, parseJson(bytes, 'image config'), 'image config');
}

function parseJson(bytes: Uint8Array, what: string): unknown {
  try {
    return JSON.parse(
      Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')
    );
  } catch (error) {
    throw new FormatError(
      `${what} is not valid JSON: ${(error as Error).message}`
    );
  }
}

function check<T>(schema: z.ZodType<T>, body: unknown, what: string): T {
  const result = schema.safeParse(body);
  if (result.success) return result.data;
  const issue = result.error.issues[0];
  const where = issue?.path.length ? issue.path.join('.') : '(top level)';
  throw new FormatError(
    `malformed ${what}: ${where}: ${issue?.message ?? 'invalid'}`
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
