/**
 * `archscan serve`: load the configuration (file, environment, flags),
 * start the pipeline, print where it listens, and run until the signal
 * (Ctrl-C, SIGTERM) asks it to stop; then stop gracefully.
 */
import { resolve } from 'node:path';
import { ConfigError } from '../engine/errors.js';
import { loadServeConfig } from '../serve/config.js';
import { parseListen } from '../serve/config-fields.js';
import type { ServeConfig } from '../serve/config-types.js';
import { jsonLog } from '../serve/json-log.js';
import { startServe } from '../serve/start-serve.js';
import { type CliIo, ExitCode } from './io.js';

/** Flags of `archscan serve`, as the command line gives them. */
export interface ServeCommandOptions {
  readonly config?: string;
  readonly listen?: string;
  readonly stateDir?: string;
  readonly allowRegistry?: readonly string[];
}

/**
 * Runs the server until `io.signal` aborts; returns the exit code.
 *
 * @throws ConfigError for a bad file, flag or state directory in use.
 */
export async function serveCommand(
  options: ServeCommandOptions,
  io: CliIo,
  cwd: string
): Promise<number> {
  const file = options.config ?? io.env.ARCHSCAN_CONFIG;
  const loaded = await loadServeConfig({
    ...(file ? { file } : {}),
    env: io.env,
    cwd,
  });
  const config = withFlags(loaded, options, cwd);
  const log = jsonLog(io.stdout);
  const serve = await startServe(config, {
    stdout: io.stdout,
    log,
    env: io.env,
  });
  io.stderr.write(banner(config, serve.url, serve.providers, serve.tokenFile));
  log.info('archscan serve started', {
    url: serve.url,
    stateDir: config.stateDir,
    resumed: serve.resumed,
  });
  await new Promise<void>((done) => {
    if (!io.signal || io.signal.aborted) return done();
    io.signal.addEventListener('abort', () => done(), { once: true });
  });
  io.stderr.write('archscan serve: stopping (again to force)…\n');
  await serve.stop();
  log.info('archscan serve stopped', {});
  return ExitCode.ok;
}

function withFlags(
  config: ServeConfig,
  options: ServeCommandOptions,
  cwd: string
): ServeConfig {
  let result = config;
  if (options.listen !== undefined) {
    const listen = parseListen(options.listen);
    if (typeof listen === 'string') {
      throw new ConfigError(`--listen ${options.listen}: ${listen}`);
    }
    const derived = `http://${formatHost(config.listen.host)}:${config.listen.port}`;
    result = {
      ...result,
      listen,
      // A public URL derived from the old address follows the new one.
      publicUrl:
        config.publicUrl === derived
          ? `http://${formatHost(listen.host === '0.0.0.0' ? '127.0.0.1' : listen.host)}:${listen.port}`
          : config.publicUrl,
    };
  }
  if (options.stateDir !== undefined) {
    result = { ...result, stateDir: resolve(cwd, options.stateDir) };
  }
  if (options.allowRegistry?.length) {
    result = {
      ...result,
      registries: {
        allow: [
          ...new Set([
            ...result.registries.allow,
            ...options.allowRegistry.map((r) => r.trim().toLowerCase()),
          ]),
        ],
      },
    };
  }
  return result;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

function banner(
  config: ServeConfig,
  url: string,
  providers: readonly string[],
  tokenFile: string
): string {
  return [
    `archscan serve listening on ${url}`,
    `  state       ${config.stateDir}`,
    `  webhooks    ${url}/webhooks/{${providers.join(',')}}`,
    `              secret: as configured, else ?token=<contents of ${tokenFile}>`,
    `  registries  ${config.registries.allow.join(', ')}`,
    `  history     archscan history --api ${url} --status fail`,
    '',
  ].join('\n');
}
