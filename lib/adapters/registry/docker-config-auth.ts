/**
 * Credentials from Docker's client configuration, `~/.docker/config.json`
 * (docker/cli `cli/config/configfile/file.go`, `credentials/`): per-host
 * `credHelpers` first, then inline `auths` entries (`auth` is
 * base64(`user:pass`), `identitytoken` an OAuth2 refresh token), then the
 * default `credsStore`. Docker Hub is stored under
 * `https://index.docker.io/v1/` but pulled from `registry-1.docker.io`;
 * every alias finds the same entry. A missing file means anonymous.
 */
import { readFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError } from '../../engine/errors.js';
import type { Credentials, RegistryAuth } from '../../ports/registry-auth.js';
import {
  type CredentialHelperRunner,
  type HelperCredentials,
  runCredentialHelper,
} from './credential-helper.js';
import {
  DOCKER_HUB_CONFIG_KEY,
  isDockerHub,
  normalizeRegistryKey,
  sameRegistry,
} from './hosts.js';

/** Settings for {@link DockerConfigAuth}. */
export interface DockerConfigAuthOptions {
  /**
   * The config file. Defaults to `~/.docker/config.json`; callers that
   * honour `DOCKER_CONFIG` pass `<DOCKER_CONFIG>/config.json`.
   */
  readonly path?: string;
  /** Environment for credential helpers (their PATH). */
  readonly env?: NodeJS.ProcessEnv;
  /** Replaces helper execution (tests). */
  readonly runHelper?: CredentialHelperRunner;
}

const authEntry = z.object({
  auth: z.string().optional(),
  username: z.string().optional(),
  password: z.string().optional(),
  identitytoken: z.string().optional(),
});

const configFile = z.object({
  auths: z.record(z.string(), authEntry).optional(),
  credsStore: z.string().optional(),
  credHelpers: z.record(z.string(), z.string()).optional(),
});

type ConfigFile = z.infer<typeof configFile>;

/**
 * Reads credentials the way `docker pull` does.
 *
 * @example
 * const auth = new DockerConfigAuth({ path: join(process.env.DOCKER_CONFIG, 'config.json') });
 * await auth.credentialsFor('ghcr.io'); // { kind: 'basic', … } or undefined
 */
export class DockerConfigAuth implements RegistryAuth {
  readonly path: string;
  private config: Promise<ConfigFile | undefined> | undefined;
  private readonly cache = new Map<string, Promise<Credentials | undefined>>();
  private readonly runHelper: CredentialHelperRunner;

  constructor(options: DockerConfigAuthOptions = {}) {
    this.path = options.path ?? join(homedir(), '.docker', 'config.json');
    this.runHelper =
      options.runHelper ??
      ((name, serverUrl) =>
        runCredentialHelper(name, serverUrl, { env: options.env }));
  }

  /** Credentials for `registry`, looked up once per host and then cached. */
  credentialsFor(registry: string): Promise<Credentials | undefined> {
    const key = normalizeRegistryKey(registry);
    let found = this.cache.get(key);
    if (!found) {
      found = this.lookup(registry);
      found.catch(() => this.cache.delete(key));
      this.cache.set(key, found);
    }
    return found;
  }

  private async lookup(registry: string): Promise<Credentials | undefined> {
    this.config ??= this.load();
    const config = await this.config;
    if (!config) return undefined;
    const serverUrl = isDockerHub(registry) ? DOCKER_HUB_CONFIG_KEY : registry;
    const helper = entryFor(config.credHelpers, registry);
    if (helper) return this.fromHelper(helper, serverUrl);
    const inline = entryFor(config.auths, registry);
    const credentials = inline && this.fromEntry(inline, registry);
    if (credentials) return credentials;
    if (config.credsStore) return this.fromHelper(config.credsStore, serverUrl);
    return undefined;
  }

  private async load(): Promise<ConfigFile | undefined> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw new ConfigError(
        `cannot read docker config ${this.path}: check its permissions`,
        { cause: error }
      );
    }
    let json: unknown;
    try {
      json = JSON.parse(text);
    } catch (error) {
      throw new ConfigError(
        `docker config ${this.path} is not valid JSON: fix it or point to another file`,
        { cause: error }
      );
    }
    const parsed = configFile.safeParse(json);
    if (!parsed.success) {
      throw new ConfigError(
        `docker config ${this.path} has an unexpected shape (${parsed.error.issues[0]?.path.join('.') ?? 'root'}): fix it or point to another file`
      );
    }
    return parsed.data;
  }

  private fromEntry(
    entry: z.infer<typeof authEntry>,
    registry: string
  ): Credentials | undefined {
    if (entry.identitytoken) {
      return { kind: 'identity-token', token: entry.identitytoken };
    }
    if (entry.auth) {
      const decoded = Buffer.from(entry.auth, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 1) {
        throw new ConfigError(
          `the auth entry for ${registry} in ${this.path} is not base64 of user:password: run docker login again`
        );
      }
      return basic(decoded.slice(0, colon), decoded.slice(colon + 1));
    }
    if (entry.username && entry.password) {
      return basic(entry.username, entry.password);
    }
    return undefined;
  }

  private async fromHelper(
    name: string,
    serverUrl: string
  ): Promise<Credentials | undefined> {
    const found = await this.runHelper(name, serverUrl);
    return found && fromHelperCredentials(found);
  }
}

function basic(username: string, password: string): Credentials {
  return { kind: 'basic', username, password };
}

/** Helpers mark identity tokens with the user name `<token>`. */
function fromHelperCredentials(found: HelperCredentials): Credentials {
  return found.username === '<token>'
    ? { kind: 'identity-token', token: found.secret }
    : basic(found.username, found.secret);
}

/** The value whose key names `registry`: exact host first, then aliases. */
function entryFor<T>(
  record: Readonly<Record<string, T>> | undefined,
  registry: string
): T | undefined {
  if (!record) return undefined;
  const host = normalizeRegistryKey(registry);
  const entries = Object.entries(record);
  const exact = entries.find(([key]) => normalizeRegistryKey(key) === host);
  if (exact) return exact[1];
  return entries.find(([key]) => sameRegistry(key, host))?.[1];
}
