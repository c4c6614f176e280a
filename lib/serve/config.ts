/**
 * Loading the `archscan serve` configuration: read the file (YAML or
 * JSON), drop empty keys, replace `${NAME}` from the environment, let the
 * well-known variables (`config-env.ts`) override secrets, then validate
 * against the strict schema (`config-schema.ts`) and fill the defaults.
 * Every problem becomes one `ConfigError` naming the file and key path of
 * each bad value, e.g. `archscan.yaml: queue.concurrency: must be an
 * integer from 1 to 64`, or the variable when the value came from one.
 * With no file, the embedded defaults describe a loopback-only server.
 */
import { readFile } from 'node:fs/promises';
import { extname, isAbsolute, relative, resolve } from 'node:path';
import { parseDocument } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../engine/errors.js';
import { PROVIDER_NAMES } from '../engine/webhooks/types.js';
import {
  applyEnvOverrides,
  type ConfigProblem,
  dropNulls,
  type Env,
  isMapping,
  type KeyPath,
  keyPathText,
  substituteEnv,
} from './config-env.js';
import { type ServeFile, serveFileSchema } from './config-schema.js';
import type { ServeConfig, ServeProviderConfig } from './config-types.js';

/** Options of {@link loadServeConfig}. */
export interface LoadServeConfigOptions {
  /** The config file; relative paths are taken from `cwd`. Absent: defaults only. */
  readonly file?: string;
  readonly env: Env;
  readonly cwd: string;
}

/** A config file larger than this is a mistake (a binary, a log), not a config. */
export const MAX_CONFIG_BYTES = 1024 * 1024;

// At most this many problems are listed; the rest are counted.
const MAX_PROBLEMS = 10;

/**
 * Reads, checks and completes the configuration.
 *
 * @throws ConfigError naming the file and every bad key, or the file when
 *   it cannot be read or parsed.
 * @example
 * const config = await loadServeConfig({ file: 'archscan.yaml', env: process.env, cwd: process.cwd() });
 */
export async function loadServeConfig(
  options: LoadServeConfigOptions
): Promise<ServeConfig> {
  if (options.file === undefined) {
    return parseServeConfig({}, { env: options.env, cwd: options.cwd });
  }
  const path = resolve(options.cwd, options.file);
  const label = fileLabel(path, options.cwd);
  const text = await readConfigText(path, label);
  return parseServeConfig(parseConfigText(text, path, label), {
    env: options.env,
    cwd: options.cwd,
    file: path,
  });
}

/**
 * The configuration of `archscan serve` with no file and no variables:
 * 127.0.0.1:8080, state in `<cwd>/.archscan`, the log as the only
 * notification channel, and the public registries allowed
 * (`PUBLIC_REGISTRIES`); private ones must be listed.
 *
 * @example defaultServeConfig('/home/me/project').stateDir // '/home/me/project/.archscan'
 */
export function defaultServeConfig(cwd: string): ServeConfig {
  return parseServeConfig({}, { env: {}, cwd });
}

/** Where a parsed document came from. */
export interface ParseContext {
  readonly env: Env;
  readonly cwd: string;
  /** The file, absolute; relative paths in it are taken from its folder. */
  readonly file?: string;
}

/**
 * Validates a parsed document (what YAML or JSON gave) into the config.
 *
 * @throws ConfigError naming every bad key.
 * @example parseServeConfig({ queue: { concurrency: 4 } }, { env: {}, cwd: '/srv' }).queue.concurrency // 4
 */
export function parseServeConfig(
  document: unknown,
  context: ParseContext
): ServeConfig {
  const label = context.file ? fileLabel(context.file, context.cwd) : undefined;
  const cleaned = dropNulls(document ?? {});
  if (!isMapping(cleaned)) {
    throw new ConfigError(
      `${label ?? 'the configuration'} must be a mapping of settings (listen:, registries:, notify:, …)`
    );
  }
  const problems: ConfigProblem[] = [];
  const tree = substituteEnv(cleaned, context.env, problems);
  const origins = applyEnvOverrides(
    tree as Record<string, unknown>,
    context.env,
    problems
  );
  fail(problems, label, origins);
  const parsed = serveFileSchema.safeParse(tree, { error: describeIssue });
  if (!parsed.success) {
    fail(parsed.error.issues.flatMap(toProblems), label, origins);
  }
  const baseDir = context.file ? resolve(context.file, '..') : context.cwd;
  return deepFreeze(
    toServeConfig(parsed.data as ServeFile, context.cwd, baseDir)
  );
}

async function readConfigText(path: string, label: string): Promise<string> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    const why =
      code === 'ENOENT'
        ? 'no such file'
        : code === 'EISDIR'
          ? 'is a directory'
          : code === 'EACCES'
            ? 'permission denied'
            : code;
    throw new ConfigError(`${label}: cannot read the config file: ${why}`);
  }
  if (bytes.byteLength > MAX_CONFIG_BYTES) {
    throw new ConfigError(
      `${label}: ${bytes.byteLength} bytes is too large for a config file (at most ${MAX_CONFIG_BYTES})`
    );
  }
  return bytes.toString('utf8').replace(/^\uFEFF/, '');
}

/**
 * JSON for `.json`, YAML for `.yaml`/`.yml`; any other name is tried as
 * JSON, then as YAML.
 */
function parseConfigText(text: string, path: string, label: string): unknown {
  const ext = extname(path).toLowerCase();
  if (ext === '.json') return parseJson(text, label);
  if (ext !== '.yaml' && ext !== '.yml') {
    try {
      return JSON.parse(text);
    } catch {
      // Not JSON: YAML below says what is wrong, if anything.
    }
  }
  const doc = parseDocument(text, { prettyErrors: false, uniqueKeys: true });
  const [error] = doc.errors;
  if (error) {
    const offset = error.pos[0];
    const before = text.slice(0, offset).split('\n');
    const line = before.length;
    const column = (before[before.length - 1]?.length ?? 0) + 1;
    throw new ConfigError(
      `${label}: line ${line}, column ${column}: not valid YAML: ${error.message}`
    );
  }
  try {
    return doc.toJS({ maxAliasCount: 100 });
  } catch (error) {
    throw new ConfigError(
      `${label}: not valid YAML: ${(error as Error).message}`
    );
  }
}

function parseJson(text: string, label: string): unknown {
  try {
    return JSON.parse(text);
  } catch (error) {
    throw new ConfigError(
      `${label}: not valid JSON: ${(error as Error).message}`
    );
  }
}

/** Messages for what the schema leaves to the defaults. */
function describeIssue(issue: z.core.$ZodRawIssue): string | undefined {
  if (issue.input === undefined && issue.code === 'invalid_type') {
    return 'is required';
  }
  switch (issue.code) {
    case 'invalid_type':
      return `must be ${TYPE_NAMES[issue.expected] ?? issue.expected}`;
    case 'invalid_value':
      return `must be one of ${issue.values.map(String).join(', ')}`;
    case 'unrecognized_keys':
      return 'unknown key';
    default:
      return undefined;
  }
}

const TYPE_NAMES: Record<string, string> = {
  object: 'a mapping (key: value pairs)',
  array: 'a list',
  string: 'a string',
  number: 'a number',
  boolean: 'true or false',
};

/** Unknown keys become one problem each, at their own path. */
function toProblems(issue: z.core.$ZodIssue): ConfigProblem[] {
  if (issue.code !== 'unrecognized_keys') {
    return [{ path: issue.path as KeyPath, message: issue.message }];
  }
  const providers =
    issue.path.length === 2 &&
    issue.path[0] === 'webhooks' &&
    issue.path[1] === 'providers';
  return issue.keys.map((key) => ({
    path: [...(issue.path as KeyPath), key],
    message: providers
      ? `unknown provider; expected one of ${PROVIDER_LIST}`
      : 'unknown key',
  }));
}

const PROVIDER_LIST = PROVIDER_NAMES.join(', ');

/** Throws one ConfigError listing `problems`, if there are any. */
function fail(
  problems: readonly ConfigProblem[],
  label: string | undefined,
  origins: ReadonlyMap<string, string>
): void {
  if (!problems.length) return;
  const lines = problems.slice(0, MAX_PROBLEMS).map((problem) => {
    const key = keyPathText(problem.path);
    if (problem.variable) return `${problem.variable}: ${problem.message}`;
    const variable = origins.get(key);
    if (variable) return `${variable} (${key}): ${problem.message}`;
    const where = [label, key].filter(Boolean).join(': ');
    return where ? `${where}: ${problem.message}` : problem.message;
  });
  const more = problems.length - lines.length;
  if (more > 0) lines.push(`and ${more} more`);
  throw new ConfigError(lines.join('; '));
}

/** The file as the person named it: relative to `cwd` when inside it. */
function fileLabel(path: string, cwd: string): string {
  const rel = relative(cwd, path);
  return rel && !rel.startsWith('..') && !isAbsolute(rel) ? rel : path;
}

function toServeConfig(
  file: ServeFile,
  cwd: string,
  baseDir: string
): ServeConfig {
  const { listen } = file;
  const providers: Record<string, ServeProviderConfig> = {};
  for (const [name, settings] of Object.entries(file.webhooks.providers)) {
    if (settings) providers[name] = settings;
  }
  return {
    listen,
    publicUrl: (file.publicUrl ?? defaultPublicUrl(listen)).replace(/\/+$/, ''),
    stateDir: file.stateDir
      ? resolve(baseDir, file.stateDir)
      : resolve(cwd, '.archscan'),
    store: file.store,
    registries: { allow: [...new Set(file.registries.allow)] },
    webhooks: { ...file.webhooks, providers },
    queue: file.queue,
    scan: file.scan,
    notify: file.notify,
    api: file.api,
  };
}

/**
 * `http://<listen>`; a wildcard address is shown as loopback, since it is
 * no address a link can use (set `publicUrl` when others follow links).
 */
function defaultPublicUrl(listen: { host: string; port: number }): string {
  const host =
    listen.host === '0.0.0.0'
      ? '127.0.0.1'
      : listen.host === '::'
        ? '[::1]'
        : listen.host.includes(':')
          ? `[${listen.host}]`
          : listen.host;
  return `http://${host}:${listen.port}`;
}

function deepFreeze<T>(value: T): T {
  if (typeof value === 'object' && value !== null) {
    for (const child of Object.values(value)) deepFreeze(child);
    Object.freeze(value);
  }
  return value;
}
