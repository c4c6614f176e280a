/**
 * The `archscan` command line: parse argv, run one command, return the exit
 * code. `bin/scan.ts` is the only caller that touches `process`; everything
 * here writes through {@link CliIo}.
 */
import { availableParallelism } from 'node:os';
import { resolve } from 'node:path';
import {
  Command,
  CommanderError,
  InvalidArgumentError,
  Option,
} from 'commander';
import { ScannerError } from '../engine/errors.js';
import { parsePlatformList } from '../engine/platform/platform.js';
import { DEFAULT_CONCURRENCY } from '../usecases/scan-image.js';
import { historyCommand } from './history-command.js';
import { openHistorySource } from './history-source.js';
import { type CliIo, ExitCode } from './io.js';
import { type FailOn, type OutputFormat, scanCommand } from './scan-command.js';
import { serveCommand } from './serve-command.js';

export const VERSION = '0.1.0';

const SCAN_HELP = `
Reference forms:
  alpine, ghcr.io/org/app:1.4.0, 127.0.0.1:5000/team/app@sha256:…   a registry
  oci:DIR[:TAG]                 an OCI image layout (docker buildx --output type=oci,tar=false)
  oci-archive:FILE[:TAG]        an OCI layout in a tar (docker buildx --output type=oci)
  docker-archive:FILE[:REPO:TAG] docker save output

Exit codes: 0 pass, 1 findings at or above --fail-on, 2 the scan could not be done.

Examples:
  archscan scan --platform linux/amd64,linux/arm64 ghcr.io/org/app:1.4.0
  archscan scan --format sarif oci-archive:image.tar > archscan.sarif
  archscan scan --format json --fail-on never my-api:1.4.0 | jq .findings
`;

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > 64) {
    throw new InvalidArgumentError('expected a whole number from 1 to 64.');
  }
  return n;
}

function byteCount(value: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgt]?i?b?)?$/i.exec(value.trim());
  const scale: Record<string, number> = {
    '': 1,
    k: 1024,
    m: 1024 ** 2,
    g: 1024 ** 3,
    t: 1024 ** 4,
  };
  const unit = (match?.[2] ?? '').toLowerCase().replace(/i?b$/, '');
  if (!match || scale[unit] === undefined) {
    throw new InvalidArgumentError('expected a size such as 500MiB or 64GiB.');
  }
  return Math.floor(Number(match[1]) * (scale[unit] ?? 1));
}

function ratio(value: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 2) {
    throw new InvalidArgumentError('expected a number of 2 or more.');
  }
  return n;
}

function platforms(value: string) {
  try {
    return parsePlatformList(value);
  } catch (error) {
    throw new InvalidArgumentError((error as Error).message);
  }
}

/**
 * Runs archscan with `argv` (the words after `archscan`).
 *
 * @example
 * const code = await run(['scan', 'oci:./layout'], { stdout, stderr, env: process.env });
 */
export async function run(argv: readonly string[], io: CliIo): Promise<number> {
  let exitCode: number = ExitCode.ok;
  const program = new Command('archscan')
    .description(
      'Catch container images whose CPU architecture is not what they claim.'
    )
    .version(VERSION, '-V, --version')
    .exitOverride()
    .configureOutput({
      writeOut: (text) => io.stdout.write(text),
      writeErr: (text) => io.stderr.write(text),
    })
    .showHelpAfterError('(run archscan scan --help for usage)');
  program
    .command('scan')
    .description('scan an image: platforms, configs and every native binary')
    .argument(
      '<reference>',
      'image to scan (registry reference, oci:DIR, oci-archive:FILE or docker-archive:FILE)'
    )
    .option(
      '-p, --platform <list>',
      'platforms the image must provide, e.g. linux/amd64,linux/arm64 (default: those it declares)',
      platforms
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'json', 'sarif'])
        .default('table')
    )
    .addOption(
      new Option(
        '--fail-on <severity>',
        'exit 1 on findings of this severity or worse'
      )
        .choices(['error', 'warning', 'never'])
        .default('error')
    )
    .option(
      '-c, --concurrency <n>',
      'layers downloaded and inflated at once (default: one per CPU core)',
      positiveInt,
      Math.max(DEFAULT_CONCURRENCY, availableParallelism())
    )
    .option('--no-cache', 'do not read or write the layer-facts cache')
    .option(
      '--cache-dir <dir>',
      'layer-facts cache directory (default: $XDG_CACHE_HOME/archscan or ~/.cache/archscan)'
    )
    .option(
      '--insecure',
      'allow plain HTTP to a registry that is not on loopback',
      false
    )
    .option(
      '--max-layer-bytes <size>',
      'refuse a layer that expands beyond this (default 64GiB)',
      byteCount
    )
    .option(
      '--max-inflate-ratio <n>',
      'refuse a layer that expands more than N times its compressed size, beyond 1 GiB (default 200)',
      ratio
    )
    .addHelpText('after', SCAN_HELP)
    .action(async (reference: string, opts: Record<string, unknown>) => {
      exitCode = await scanCommand(
        reference,
        {
          format: opts.format as OutputFormat,
          failOn: opts.failOn as FailOn,
          concurrency: opts.concurrency as number,
          cache: opts.cache as boolean,
          insecure: opts.insecure as boolean,
          ...(opts.platform
            ? {
                platform: opts.platform as ReturnType<typeof parsePlatformList>,
              }
            : {}),
          ...(opts.cacheDir ? { cacheDir: opts.cacheDir as string } : {}),
          ...(opts.maxInflateRatio
            ? { maxInflateRatio: opts.maxInflateRatio as number }
            : {}),
          ...(opts.maxLayerBytes
            ? { maxLayerBytes: opts.maxLayerBytes as number }
            : {}),
        },
        io,
        VERSION
      );
    });
  program
    .command('history')
    .description(
      'read scan history from the archscan DynamoDB table (AWS credentials from the usual chain) or from a history API'
    )
    .option('--table <name>', 'history table name (default: $ARCHSCAN_TABLE)')
    .option(
      '--api <url>',
      "history API base URL instead of the table, e.g. archscan serve's or the AWS stack's (default: $ARCHSCAN_API)"
    )
    .option(
      '--api-token <token>',
      'bearer token for --api (prefer $ARCHSCAN_API_TOKEN: arguments show in process lists)'
    )
    .option(
      '--reports-bucket <name>',
      'bucket of reports too large for the table (default: $ARCHSCAN_REPORTS_BUCKET)'
    )
    .option('--region <region>', "AWS Region (default: the SDK's)")
    .option(
      '--endpoint <url>',
      "a DynamoDB-compatible endpoint for --table, e.g. archscan serve's"
    )
    .option('--repository <name>', 'scans of one repository, newest first')
    .option('--registry <host>', 'registry of --repository')
    .option('--tag <tag>', 'only scans of this tag')
    .option(
      '--status <status>',
      'pass, fail or error (fail/error without --repository: across all repositories)'
    )
    .option('--since <time>', 'only scans at or after this ISO 8601 time')
    .option('--until <time>', 'only scans before this ISO 8601 time')
    .option(
      '--digest <digest>',
      'the newest scan of this image digest, with its report'
    )
    .option('--limit <n>', 'scans per page')
    .option(
      '--cursor <cursor>',
      'the next page, as printed after the previous one'
    )
    .addOption(
      new Option('-f, --format <format>', 'output format')
        .choices(['table', 'json'])
        .default('table')
    )
    .addHelpText(
      'after',
      `
Read from exactly one of --table (DynamoDB) or --api (HTTP); flags win over
ARCHSCAN_TABLE and ARCHSCAN_API.

Examples:
  archscan history --table archscan --repository team/api --registry 123456789012.dkr.ecr.eu-west-1.amazonaws.com
  archscan history --table archscan --status fail --since 2026-11-18T00:00:00Z
  archscan history --table archscan --digest sha256:… --format json
  archscan history --api http://127.0.0.1:8080 --status fail
  ARCHSCAN_API_TOKEN=… archscan history --api https://abc123.execute-api.eu-west-1.amazonaws.com/prod --repository team/api --registry ghcr.io
`
    )
    .action(async (opts: Record<string, string | undefined>) => {
      const {
        table,
        api,
        apiToken,
        reportsBucket,
        region,
        endpoint,
        format,
        ...filters
      } = opts;
      const store = openHistorySource(
        { table, api, apiToken, reportsBucket, region, endpoint },
        io.env
      );
      const defined = Object.fromEntries(
        Object.entries(filters).filter(([, v]) => v !== undefined)
      );
      exitCode = await historyCommand(
        store,
        { ...defined, format: format as 'table' | 'json' },
        io
      );
    });
  program
    .command('serve')
    .description(
      'run the pipeline on this machine: webhook receiver, queue, scanner, history API and notifications'
    )
    .option(
      '-c, --config <file>',
      'YAML or JSON configuration (default: $ARCHSCAN_CONFIG, else built-in defaults)'
    )
    .option(
      '--listen <host:port>',
      'address to listen on (default: 127.0.0.1:8080)'
    )
    .option(
      '--state-dir <dir>',
      'history, queue and layer cache (default: ./.archscan)'
    )
    .option(
      '--allow-registry <host>',
      'also allow this registry (host[:port] or *.suffix); repeatable',
      (value: string, previous: string[] = []) => [...previous, value]
    )
    .addHelpText(
      'after',
      `
Webhooks: POST /webhooks/{provider} for distribution, dockerhub, harbor,
ghcr, quay, acr, gar, jfrog. Providers without their own secret use the
token generated on first start (<state dir>/webhook-token).
History: GET /scans, /scans/{digest}, /repositories/{name}/scans; /healthz.
Ctrl-C or SIGTERM stops gracefully; unfinished scans resume at the next start.

Examples:
  archscan serve
  archscan serve --config archscan.yaml
  archscan serve --listen 0.0.0.0:8080 --allow-registry registry.internal:5000
`
    )
    .action(
      async (opts: {
        config?: string;
        listen?: string;
        stateDir?: string;
        allowRegistry?: string[];
      }) => {
        exitCode = await serveCommand(opts, io, resolve(io.cwd ?? '.'));
      }
    );
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return exitCode;
  } catch (error) {
    if (error instanceof CommanderError) {
      return error.exitCode === 0 ? ExitCode.ok : ExitCode.error;
    }
    const message =
      error instanceof ScannerError
        ? error.message
        : `unexpected failure: ${(error as Error)?.message ?? String(error)}`;
    io.stderr.write(`archscan: ${message}\n`);
    return ExitCode.error;
  }
}
