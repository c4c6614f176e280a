/**
 * The public settings of an archscan deployment, their defaults, and the
 * checks that run at synth time. Everything the constructs need arrives
 * here as plain values; nothing below reads the environment.
 */
import { Token } from 'aws-cdk-lib';
import { InfraConfigError } from './errors.js';
import {
  type ResolvedWebhookProps,
  resolveWebhookProps,
  type WebhookProps,
} from './webhook-props.js';

/** Repositories matching `pattern` (`*` wildcards) must provide `platforms`. */
export interface PlatformRule {
  /** Repository-name pattern, e.g. `prod/*`; `*` matches any repository. */
  readonly pattern: string;
  /**
   * Platforms in OCI normal form, e.g. `linux/amd64`, `linux/arm/v7`.
   * An empty list means "whatever the index declares".
   */
  readonly platforms: readonly string[];
}

/** Where chat notifications go. */
export type ChatNotifications = 'slack' | 'q-developer' | 'none';

/** The lowest finding severity that notifies people. */
export type NotifySeverity = 'error' | 'warning';

/** Settings of an {@link ArchScanner}; every one has a default. */
export interface ArchScannerProps {
  /**
   * Expected platforms per repository pattern, first match wins.
   * @default [{ pattern: '*', platforms: [] }] (judge against what the index declares)
   */
  readonly expectedPlatforms?: readonly PlatformRule[];
  /**
   * Addresses subscribed to the findings topic by email, filtered on
   * `severity` according to {@link notifySeverity}.
   * @default []
   */
  readonly emails?: readonly string[];
  /**
   * Addresses told when a scan request is poisoned (dead-lettered).
   * @default the same as `emails`: whoever reads findings owns the scanner
   */
  readonly alarmEmails?: readonly string[];
  /**
   * Complete ARN (with its 6-character suffix) of an existing Secrets
   * Manager secret whose value is the Slack
   * incoming-webhook URL. The URL itself never enters the template or the
   * function environment.
   * @default none
   */
  readonly slackWebhookSecretArn?: string;
  /**
   * How findings reach chat.
   * @default 'slack' when `slackWebhookSecretArn` is set, otherwise 'none'
   */
  readonly chatNotifications?: ChatNotifications;
  /**
   * Lowest severity that notifies anyone.
   * @default 'error' (warnings stay in the report and the history API)
   */
  readonly notifySeverity?: NotifySeverity;
  /**
   * Minutes to wait before telling anyone a platform is missing after a
   * push; publishers often push one architecture after another. 0 disables
   * the wait; at most 1,440 (24 h), reached by chaining 15-minute SQS delays.
   * @default 15
   */
  readonly graceMinutes?: number;
  /**
   * Days scan history and stored reports are kept.
   * @default 365
   */
  readonly scanTtlDays?: number;
  /**
   * ECR repositories the scanner may pull from.
   * @default every repository of this account and Region
   */
  readonly repositoryArns?: readonly string[];
  /**
   * Only pushes to repositories whose names start with one of these
   * prefixes are scanned.
   * @default every repository
   */
  readonly repositoryFilter?: readonly string[];
  /**
   * Most scans running at once.
   * @default 10 (bounds registry load and spend; SQS allows 2 to 1,000)
   */
  readonly maxConcurrency?: number;
  /**
   * Registry webhooks at `POST /webhooks/{provider}` on the history API.
   * The scan worker always contacts only the account's own ECR registry;
   * setting this adds `allowedRegistries` to what it may contact.
   * @default none: only ECR pushes of this account are scanned
   */
  readonly webhooks?: WebhookProps;
}

/** {@link ArchScannerProps} with every default applied. */
export interface ResolvedArchScannerProps {
  readonly expectedPlatforms: readonly PlatformRule[];
  readonly emails: readonly string[];
  readonly alarmEmails: readonly string[];
  readonly slackWebhookSecretArn?: string;
  readonly chatNotifications: ChatNotifications;
  readonly notifySeverity: NotifySeverity;
  readonly graceMinutes: number;
  readonly scanTtlDays: number;
  readonly repositoryArns?: readonly string[];
  readonly repositoryFilter: readonly string[];
  readonly maxConcurrency: number;
  readonly webhooks?: ResolvedWebhookProps;
}

/** The default rule: judge every repository against its own index. */
export const DEFAULT_PLATFORM_RULES: readonly PlatformRule[] = [
  { pattern: '*', platforms: [] },
];

// os/architecture[/variant], lower case, as the OCI image index writes them.
const PLATFORM = /^[a-z0-9]+\/[a-z0-9_]+(\/[a-z0-9]+)?$/;
const EMAIL = /^[^@\s]+@[^@\s]+\.[^@\s]+$/;
// Lambda caps a function's whole environment at 4 KB; leave room for the rest.
const MAX_RULES_JSON = 2_048;

/**
 * Applies defaults and checks every value.
 *
 * @throws InfraConfigError naming the bad setting.
 * @example
 * const resolved = resolveArchScannerProps({ graceMinutes: 30 });
 */
export function resolveArchScannerProps(
  props: ArchScannerProps = {}
): ResolvedArchScannerProps {
  const expectedPlatforms = checkRules(
    props.expectedPlatforms ?? DEFAULT_PLATFORM_RULES
  );
  const emails = checkEmails('emails', props.emails ?? []);
  const alarmEmails = checkEmails('alarmEmails', props.alarmEmails ?? emails);
  const secret = props.slackWebhookSecretArn;
  if (secret !== undefined) checkSecretArn(secret);
  const chatNotifications =
    props.chatNotifications ?? (secret ? 'slack' : 'none');
  if (chatNotifications === 'slack' && secret === undefined) {
    throw new InfraConfigError(
      "chatNotifications 'slack' needs slackWebhookSecretArn: set it, or choose 'q-developer' or 'none'"
    );
  }
  return {
    expectedPlatforms,
    emails,
    alarmEmails,
    ...(secret !== undefined ? { slackWebhookSecretArn: secret } : {}),
    chatNotifications,
    notifySeverity: props.notifySeverity ?? 'error',
    graceMinutes: checkInt('graceMinutes', props.graceMinutes ?? 15, 0, 1_440),
    scanTtlDays: checkInt('scanTtlDays', props.scanTtlDays ?? 365, 1, 36_500),
    ...(props.repositoryArns !== undefined
      ? { repositoryArns: checkRepositoryArns(props.repositoryArns) }
      : {}),
    repositoryFilter: checkPrefixes(props.repositoryFilter ?? []),
    maxConcurrency: checkInt(
      'maxConcurrency',
      props.maxConcurrency ?? 10,
      2,
      1_000
    ),
    ...(props.webhooks !== undefined
      ? { webhooks: resolveWebhookProps(props.webhooks) }
      : {}),
  };
}

function checkRules(rules: readonly PlatformRule[]): readonly PlatformRule[] {
  for (const rule of rules) {
    if (rule.pattern.length === 0) {
      throw new InfraConfigError(
        'expectedPlatforms: a rule has an empty pattern; use "*" for every repository'
      );
    }
    for (const platform of rule.platforms) {
      if (!PLATFORM.test(platform)) {
        throw new InfraConfigError(
          `expectedPlatforms: "${platform}" in rule "${rule.pattern}" is not os/architecture[/variant], e.g. linux/arm64`
        );
      }
    }
  }
  if (JSON.stringify(rules).length > MAX_RULES_JSON) {
    throw new InfraConfigError(
      `expectedPlatforms: the rules exceed ${MAX_RULES_JSON} characters of JSON; merge patterns with wildcards`
    );
  }
  return rules.map((r) => ({
    pattern: r.pattern,
    platforms: [...r.platforms],
  }));
}

function checkEmails(name: string, emails: readonly string[]): string[] {
  for (const email of emails) {
    if (!Token.isUnresolved(email) && !EMAIL.test(email)) {
      throw new InfraConfigError(`${name}: "${email}" is not an email address`);
    }
  }
  return [...emails];
}

function checkSecretArn(arn: string): void {
  if (Token.isUnresolved(arn)) return;
  // The complete ARN, with the 6-character suffix Secrets Manager adds, so
  // the grant names exactly one secret instead of a `NAME-??????` pattern.
  const complete =
    /^arn:aws[a-z-]*:secretsmanager:[^:]+:\d{12}:secret:.+-[A-Za-z0-9]{6}$/;
  if (!complete.test(arn)) {
    throw new InfraConfigError(
      `slackWebhookSecretArn: "${arn}" is not a complete Secrets Manager secret ARN (arn:aws:secretsmanager:REGION:ACCOUNT:secret:NAME-AbCdEf, as the console shows it)`
    );
  }
}

function checkRepositoryArns(arns: readonly string[]): string[] {
  if (arns.length === 0) {
    throw new InfraConfigError(
      'repositoryArns: the list is empty; leave it unset for every repository of the account'
    );
  }
  for (const arn of arns) {
    if (!Token.isUnresolved(arn) && !/^arn:aws[a-z-]*:ecr:/.test(arn)) {
      throw new InfraConfigError(
        `repositoryArns: "${arn}" is not an ECR repository ARN`
      );
    }
  }
  return [...arns];
}

function checkPrefixes(prefixes: readonly string[]): string[] {
  if (prefixes.some((p) => p.length === 0)) {
    throw new InfraConfigError(
      'repositoryFilter: an empty prefix matches everything; leave the filter unset instead'
    );
  }
  return [...prefixes];
}

function checkInt(name: string, value: number, min: number, max: number) {
  if (!Number.isInteger(value) || value < min || value > max) {
    throw new InfraConfigError(
      `${name}: ${value} must be a whole number from ${min} to ${max}`
    );
  }
  return value;
}
