/**
 * Running Docker credential helpers (docker/docker-credential-helpers
 * protocol): `docker-credential-<name> get` reads the server URL on stdin
 * and prints `{"ServerURL","Username","Secret"}`. A `Username` of
 * `<token>` marks the secret as an identity token. "credentials not found"
 * is a normal answer meaning anonymous.
 */
import { spawn } from 'node:child_process';
import { ConfigError } from '../../engine/errors.js';

/** What a helper returns for a server. */
export interface HelperCredentials {
  readonly username: string;
  readonly secret: string;
}

/** Runs helper `name` for `serverUrl`; undefined when it has nothing stored. */
export type CredentialHelperRunner = (
  name: string,
  serverUrl: string
) => Promise<HelperCredentials | undefined>;

/** Settings for {@link runCredentialHelper}. */
export interface CredentialHelperOptions {
  /** Environment for the helper (its PATH decides which binary runs). */
  readonly env?: NodeJS.ProcessEnv;
  /** Helpers may prompt or hang on a locked keychain; 30 s is plenty otherwise. */
  readonly timeoutMs?: number;
}

/** Helper answers are one small JSON object; more than 1 MiB is not one. */
const MAX_HELPER_OUTPUT = 1024 * 1024;
const DEFAULT_HELPER_TIMEOUT_MS = 30_000;
const HELPER_NAME = /^[A-Za-z0-9][A-Za-z0-9._-]*$/;

/**
 * Runs `docker-credential-<name> get` for `serverUrl`.
 *
 * @throws ConfigError when the helper is missing, fails, times out or
 *   prints something that is not a credentials object.
 */
export async function runCredentialHelper(
  name: string,
  serverUrl: string,
  options: CredentialHelperOptions = {}
): Promise<HelperCredentials | undefined> {
  const program = `docker-credential-${name}`;
  if (!HELPER_NAME.test(name)) {
    throw new ConfigError(
      `invalid credential helper name ${JSON.stringify(name)}: use a name like ecr-login`
    );
  }
  const { code, stdout } = await execute(program, serverUrl, options);
  if (code !== 0) {
    if (/credentials not found/i.test(stdout)) return undefined;
    throw new ConfigError(
      `credential helper ${program} failed (exit code ${code}) for ${serverUrl}: run docker login again or fix the helper`
    );
  }
  return parseHelperOutput(program, stdout);
}

function parseHelperOutput(program: string, stdout: string): HelperCredentials {
  let parsed: unknown;
  try {
    parsed = JSON.parse(stdout);
  } catch {
    parsed = undefined;
  }
  const { Username, Secret } = (parsed ?? {}) as {
    Username?: unknown;
    Secret?: unknown;
  };
  if (typeof Username !== 'string' || typeof Secret !== 'string') {
    throw new ConfigError(
      `credential helper ${program} printed no Username/Secret object: check that it is a docker credential helper`
    );
  }
  return { username: Username, secret: Secret };
}

function execute(
  program: string,
  input: string,
  options: CredentialHelperOptions
): Promise<{ code: number | null; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(program, ['get'], {
      env: options.env ?? process.env,
      stdio: ['pipe', 'pipe', 'ignore'],
    });
    const chunks: Buffer[] = [];
    let size = 0;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(
        new ConfigError(
          `credential helper ${program} did not answer within ${options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS} ms: unlock its keychain or fix it`
        )
      );
    }, options.timeoutMs ?? DEFAULT_HELPER_TIMEOUT_MS);
    child.stdout.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_HELPER_OUTPUT) chunks.push(chunk);
    });
    child.stdin.on('error', () => {
      // A helper that exits without reading stdin is judged by its exit code.
    });
    child.on('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(
        new ConfigError(
          error.code === 'ENOENT'
            ? `credential helper ${program} is not installed or not on PATH: install it or remove it from the docker config`
            : `cannot run credential helper ${program} (${error.code ?? error.name}): check that it is executable`,
          { cause: error }
        )
      );
    });
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout: Buffer.concat(chunks).toString('utf8') });
    });
    child.stdin.end(input);
  });
}
