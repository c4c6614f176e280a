/**
 * Turns CDK context (cdk.json or `-c key=value`) into typed settings. Values
 * from cdk.json arrive as JSON; values from `-c` arrive as strings, so each
 * reader accepts both.
 */
import { InfraConfigError } from './errors.js';
import type {
  ArchScannerProps,
  ChatNotifications,
  NotifySeverity,
  PlatformRule,
} from './props.js';
import type { WebhookProps } from './webhook-props.js';

/** Reads one context value, e.g. `(k) => app.node.tryGetContext(k)`. */
export type ContextReader = (key: string) => unknown;

/** Everything `bin/app.ts` needs, read once. */
export interface AppSettings {
  /** CloudFormation stack name. */
  readonly stackName: string;
  /** Scanner settings, before defaults. */
  readonly scanner: ArchScannerProps;
}

/** Prefix of every archscan context key, e.g. `archscan:graceMinutes`. */
export const CONTEXT_PREFIX = 'archscan:';

/**
 * Reads the `archscan:*` context keys. Absent or empty keys are left to
 * the construct defaults.
 *
 * @throws InfraConfigError naming the key whose value cannot be parsed.
 * @example
 * const settings = settingsFromContext((k) => app.node.tryGetContext(k));
 */
export function settingsFromContext(read: ContextReader): AppSettings {
  const get = (key: string) => {
    const value = read(`${CONTEXT_PREFIX}${key}`);
    return value === undefined || value === null || value === ''
      ? undefined
      : value;
  };
  const scanner: Record<string, unknown> = {
    expectedPlatforms: rules(get('expectedPlatforms')),
    emails: list('emails', get('emails')),
    alarmEmails: list('alarmEmails', get('alarmEmails')),
    slackWebhookSecretArn: text(
      'slackWebhookSecretArn',
      get('slackWebhookSecretArn')
    ),
    chatNotifications: text('chatNotifications', get('chatNotifications')) as
      | ChatNotifications
      | undefined,
    notifySeverity: text('notifySeverity', get('notifySeverity')) as
      | NotifySeverity
      | undefined,
    graceMinutes: int('graceMinutes', get('graceMinutes')),
    scanTtlDays: int('scanTtlDays', get('scanTtlDays')),
    repositoryArns: list('repositoryArns', get('repositoryArns')),
    repositoryFilter: list('repositoryFilter', get('repositoryFilter')),
    maxConcurrency: int('maxConcurrency', get('maxConcurrency')),
    webhooks: webhooks(get('webhooks')),
  };
  for (const key of Object.keys(scanner)) {
    if (scanner[key] === undefined) delete scanner[key];
  }
  return {
    stackName: text('stackName', get('stackName')) ?? 'ArchScan',
    scanner: scanner as ArchScannerProps,
  };
}

function text(key: string, value: unknown): string | undefined {
  if (value === undefined) return undefined;
  if (typeof value !== 'string') {
    throw new InfraConfigError(
      `context ${CONTEXT_PREFIX}${key}: expected a string`
    );
  }
  return value;
}

function int(key: string, value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const n = typeof value === 'number' ? value : Number(value);
  if (!Number.isFinite(n)) {
    throw new InfraConfigError(
      `context ${CONTEXT_PREFIX}${key}: "${String(value)}" is not a number`
    );
  }
  return n;
}

// A JSON array, or a comma-separated string from the command line.
function list(key: string, value: unknown): string[] | undefined {
  if (value === undefined) return undefined;
  if (typeof value === 'string') {
    return value.startsWith('[')
      ? list(key, parseJson(key, value))
      : value
          .split(',')
          .map((v) => v.trim())
          .filter((v) => v.length > 0);
  }
  if (Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value;
  }
  throw new InfraConfigError(
    `context ${CONTEXT_PREFIX}${key}: expected a list of strings`
  );
}

function rules(value: unknown): PlatformRule[] | undefined {
  if (value === undefined) return undefined;
  const parsed =
    typeof value === 'string' ? parseJson('expectedPlatforms', value) : value;
  const ok =
    Array.isArray(parsed) &&
    parsed.every(
      (r) =>
        typeof r === 'object' &&
        r !== null &&
        typeof r.pattern === 'string' &&
        Array.isArray(r.platforms) &&
        r.platforms.every((p: unknown) => typeof p === 'string')
    );
  if (!ok) {
    throw new InfraConfigError(
      `context ${CONTEXT_PREFIX}expectedPlatforms: expected [{"pattern": "prod/*", "platforms": ["linux/amd64"]}]`
    );
  }
  return parsed as PlatformRule[];
}

// An object in cdk.json, or its JSON text from the command line. Types are
// checked here; values are checked by resolveWebhookProps.
function webhooks(value: unknown): WebhookProps | undefined {
  if (value === undefined) return undefined;
  const parsed =
    typeof value === 'string' ? parseJson('webhooks', value) : value;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new InfraConfigError(
      `context ${CONTEXT_PREFIX}webhooks: expected {"providers": ["ghcr"], "allowedRegistries": ["ghcr.io"]}`
    );
  }
  const record = parsed as Record<string, unknown>;
  const known = [
    'providers',
    'allowedRegistries',
    'coalesceSeconds',
    'replayWindowSeconds',
  ];
  const unknown = Object.keys(record).find((k) => !known.includes(k));
  if (unknown !== undefined) {
    throw new InfraConfigError(
      `context ${CONTEXT_PREFIX}webhooks: unknown key "${unknown}"; use ${known.join(', ')}`
    );
  }
  const settings: Record<string, unknown> = {
    providers: list('webhooks.providers', record.providers) ?? [],
    allowedRegistries:
      list('webhooks.allowedRegistries', record.allowedRegistries) ?? [],
    coalesceSeconds: int('webhooks.coalesceSeconds', record.coalesceSeconds),
    replayWindowSeconds: int(
      'webhooks.replayWindowSeconds',
      record.replayWindowSeconds
    ),
  };
  for (const key of Object.keys(settings)) {
    if (settings[key] === undefined) delete settings[key];
  }
  return settings as unknown as WebhookProps;
}

function parseJson(key: string, value: string): unknown {
  try {
    return JSON.parse(value);
  } catch {
    throw new InfraConfigError(
      `context ${CONTEXT_PREFIX}${key}: "${value}" is not valid JSON`
    );
  }
}
