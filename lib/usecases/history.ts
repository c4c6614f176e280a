/**
 * Reading scan history, for the history API and the `archscan history`
 * command: each query validates its parameters (as they arrive from a URL
 * or a command line, so all strings) and calls the `ScanStore` port. Bad
 * parameters become a `ConfigError` naming each one; a scan that does not
 * exist is `undefined`, for the caller to turn into a 404 or a message.
 */
import { z } from 'zod';
import { isDigest } from '../engine/digest/digest.js';
import { ConfigError } from '../engine/errors.js';
import { MAX_PAGE_LIMIT } from '../engine/history/list-window.js';
import type { ScanRecord, ScanSummary } from '../engine/history/scan-record.js';
import type { ListOptions, Page, ScanStore } from '../ports/scan-store.js';

/** Query parameters as a URL or command line gives them. */
export type QueryParams = Readonly<Record<string, string | undefined>>;

const name = (max: number) => z.string().trim().min(1).max(max);

const listParams = z
  .object({
    registry: name(255).optional(),
    tag: name(128).optional(),
    status: z.enum(['pass', 'fail', 'error']).optional(),
    since: z.string().optional(),
    until: z.string().optional(),
    limit: z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).optional(),
    cursor: z.string().max(4096).optional(),
  })
  .strict();

const scansParams = listParams.extend({ repository: name(255).optional() });

/**
 * `GET /scans`: scans of one repository (`registry` and `repository`
 * required), or, with `status=fail` or `status=error` and no repository,
 * failures across all repositories.
 *
 * @throws ConfigError naming the parameters that are wrong.
 * @example await listScans(store, { registry: 'ghcr.io', repository: 'org/app', limit: '10' })
 */
export async function listScans(
  store: ScanStore,
  params: QueryParams
): Promise<Page<ScanSummary>> {
  const { repository, registry, ...rest } = parse(scansParams, params);
  if (repository !== undefined) {
    return store.listByRepository(
      requireRegistry(registry),
      repository,
      listOptions(rest)
    );
  }
  if (rest.status !== 'fail' && rest.status !== 'error') {
    throw new ConfigError(
      'repository is required unless status is fail or error (failures across all repositories)'
    );
  }
  if (registry !== undefined || rest.tag !== undefined) {
    throw new ConfigError(
      'registry and tag need a repository; failures across repositories take status, since, until, limit and cursor'
    );
  }
  return store.listFailures(listOptions(rest));
}

/**
 * `GET /repositories/{repository}/scans`: scans of one repository, newest first.
 *
 * @throws ConfigError naming the parameters that are wrong.
 * @example await listRepositoryScans(store, 'org/app', { registry: 'ghcr.io' })
 */
export async function listRepositoryScans(
  store: ScanStore,
  repository: string,
  params: QueryParams
): Promise<Page<ScanSummary>> {
  const { registry, ...rest } = parse(listParams, params);
  const repo = parse(z.object({ repository: name(255) }), { repository });
  return store.listByRepository(
    requireRegistry(registry),
    repo.repository,
    listOptions(rest)
  );
}

/**
 * `GET /scans/{digest}`: the newest scan of an image digest, with its report.
 *
 * @throws ConfigError when `digest` is not `algorithm:hex`.
 * @example await latestScanOfDigest(store, 'sha256:…')
 */
export async function latestScanOfDigest(
  store: ScanStore,
  digest: string
): Promise<ScanRecord | undefined> {
  if (!isDigest(digest)) {
    throw new ConfigError(
      `digest must look like sha256:<64 hex digits>, got ${JSON.stringify(digest.slice(0, 80))}`
    );
  }
  return store.latestByDigest(digest);
}

function requireRegistry(registry: string | undefined): string {
  if (registry === undefined) {
    throw new ConfigError(
      'registry is required with a repository (e.g. registry=ghcr.io)'
    );
  }
  return registry;
}

function listOptions(
  params: Omit<z.infer<typeof listParams>, 'registry'>
): ListOptions {
  return Object.fromEntries(
    Object.entries(params).filter(([, v]) => v !== undefined)
  ) as ListOptions;
}

function parse<T extends z.ZodType>(
  schema: T,
  params: Readonly<Record<string, unknown>>
): z.infer<T> {
  const defined = Object.fromEntries(
    Object.entries(params).filter(([, v]) => v !== undefined)
  );
  const parsed = schema.safeParse(defined);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map((issue) =>
    issue.code === 'unrecognized_keys'
      ? `unknown parameter ${issue.keys.join(', ')}`
      : `${issue.path.join('.')}: ${issue.message}`
  );
  throw new ConfigError(`invalid parameters: ${problems.join('; ')}`);
}
