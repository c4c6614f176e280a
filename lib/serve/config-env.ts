/**
 * The environment's part in the `archscan serve` configuration: `${NAME}`
 * in any string value is replaced by the variable (`$${` writes a literal
 * `${`), and the common secrets can be given by well-known variables
 * without touching the file at all. Those variables win over the file, so
 * a secret store or a container runtime can inject them while the
 * checked-in file holds none.
 */
import { PROVIDER_NAMES } from '../engine/webhooks/types.js';

/** Variables that set a key directly, whatever the file says. */
export const SERVE_ENV = Object.freeze({
  slackWebhookUrl: 'ARCHSCAN_SLACK_WEBHOOK_URL',
  smtpUrl: 'ARCHSCAN_SMTP_URL',
  apiToken: 'ARCHSCAN_API_TOKEN',
  /** Followed by the provider name in upper case: `ARCHSCAN_WEBHOOK_SECRET_GHCR`. */
  webhookSecretPrefix: 'ARCHSCAN_WEBHOOK_SECRET_',
});

/** The environment, as `process.env` gives it. */
export type Env = Readonly<Record<string, string | undefined>>;
/** Where a value sits in the file: keys and list indexes. */
export type KeyPath = readonly (string | number)[];

/** A problem found at a key, before or during validation. */
export interface ConfigProblem {
  readonly path: KeyPath;
  readonly message: string;
  /** The variable at fault, when the problem is in the environment itself. */
  readonly variable?: string;
}

const REFERENCE = /\$\$\{|\$\{([A-Za-z_][A-Za-z0-9_]*)\}|\$\{/g;

/**
 * Replaces `${NAME}` in every string of `tree` (keys are left alone).
 * Unset variables are reported in `problems`, naming the key and variable.
 *
 * @example substituteEnv({ a: 'x-${B}' }, { B: '1' }, []) // { a: 'x-1' }
 */
export function substituteEnv(
  tree: unknown,
  env: Env,
  problems: ConfigProblem[],
  path: KeyPath = []
): unknown {
  if (typeof tree === 'string') {
    return tree.replace(REFERENCE, (match, name: string | undefined) => {
      if (match === '$${') return '${';
      if (name === undefined) {
        problems.push({
          path,
          message:
            // biome-ignore lint/suspicious/noTemplateCurlyInString: the message shows the config file's syntax
            '${ must start a variable reference such as ${SLACK_URL}; write $${ for a literal ${',
        });
        return match;
      }
      const value = env[name];
      if (value === undefined) {
        problems.push({
          path,
          message: `environment variable ${name} is not set`,
        });
        return match;
      }
      return value;
    });
  }
  if (Array.isArray(tree)) {
    return tree.map((item, i) =>
      substituteEnv(item, env, problems, [...path, i])
    );
  }
  if (isMapping(tree)) {
    return Object.fromEntries(
      Object.entries(tree).map(([key, value]) => [
        key,
        substituteEnv(value, env, problems, [...path, key]),
      ])
    );
  }
  return tree;
}

/**
 * Sets the keys the well-known variables name, creating sections as
 * needed. Returns, per key path (`a.b.c`), the variable that set it, so
 * errors can name the variable rather than the file. Empty variables are
 * treated as unset. An `ARCHSCAN_WEBHOOK_SECRET_*` for an unknown provider
 * is a problem (a typo would otherwise leave a provider unprotected).
 */
export function applyEnvOverrides(
  tree: Record<string, unknown>,
  env: Env,
  problems: ConfigProblem[]
): Map<string, string> {
  const origins = new Map<string, string>();
  const set = (path: string[], variable: string) => {
    const value = env[variable];
    if (value === undefined || value === '') return;
    if (setPath(tree, path, value)) origins.set(keyPathText(path), variable);
  };
  set(['notify', 'slack', 'webhookUrl'], SERVE_ENV.slackWebhookUrl);
  set(['notify', 'smtp', 'url'], SERVE_ENV.smtpUrl);
  set(['api', 'token'], SERVE_ENV.apiToken);
  for (const variable of Object.keys(env).sort()) {
    if (!variable.startsWith(SERVE_ENV.webhookSecretPrefix)) continue;
    const provider = variable
      .slice(SERVE_ENV.webhookSecretPrefix.length)
      .toLowerCase();
    if (!(PROVIDER_NAMES as readonly string[]).includes(provider)) {
      problems.push({
        path: [],
        variable,
        message: `names no provider; use one of ${PROVIDER_NAMES.map(
          (name) => SERVE_ENV.webhookSecretPrefix + name.toUpperCase()
        ).join(', ')}`,
      });
      continue;
    }
    set(['webhooks', 'providers', provider, 'secret'], variable);
  }
  return origins;
}

/**
 * Drops keys whose value is null: `notify:` with nothing under it means
 * "no settings", as in most YAML tools.
 */
export function dropNulls(tree: unknown): unknown {
  if (Array.isArray(tree)) return tree.map(dropNulls);
  if (!isMapping(tree)) return tree;
  return Object.fromEntries(
    Object.entries(tree)
      .filter(([, value]) => value !== null)
      .map(([key, value]) => [key, dropNulls(value)])
  );
}

/** `notify.webhooks[0].url` */
export function keyPathText(path: KeyPath): string {
  return path
    .map((part, i) =>
      typeof part === 'number' ? `[${part}]` : i === 0 ? part : `.${part}`
    )
    .join('');
}

/** True for a plain key/value mapping. */
export function isMapping(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Sets `path` unless a section on the way is not a mapping (validation reports it). */
function setPath(
  tree: Record<string, unknown>,
  path: string[],
  value: string
): boolean {
  let node = tree;
  for (const key of path.slice(0, -1)) {
    const next = node[key] ?? {};
    if (!isMapping(next)) return false;
    node[key] = next;
    node = next;
  }
  node[path[path.length - 1] as string] = value;
  return true;
}
