/**
 * Every Lambda's configuration, read from the environment once at cold
 * start into a typed, frozen object, and validated so a misconfigured
 * function fails at once with the name of the bad variable. Only this file
 * (and `bin/`) reads `process.env`. The CDK constructs set these names.
 */
import { z } from 'zod';
import { ConfigError } from '../../lib/engine/errors.js';
import {
  PROVIDER_NAMES,
  type ProviderName,
} from '../../lib/engine/webhooks/types.js';

/** Environment variable names, shared with the infrastructure code by contract (see test/infra). */
export const ENV = {
  tableName: 'TABLE_NAME',
  reportsBucket: 'REPORTS_BUCKET',
  topicArn: 'TOPIC_ARN',
  queueUrl: 'QUEUE_URL',
  expectedPlatforms: 'EXPECTED_PLATFORMS',
  graceSeconds: 'GRACE_SECONDS',
  notifySeverity: 'NOTIFY_SEVERITY',
  scanTtlDays: 'SCAN_TTL_DAYS',
  historyApiUrl: 'HISTORY_API_URL',
  slackSecretArn: 'SLACK_SECRET_ARN',
  chatTopicArn: 'CHAT_TOPIC_ARN',
  maxSlackFindings: 'MAX_SLACK_FINDINGS',
  webhookSecretArn: 'WEBHOOK_SECRET_ARN',
  webhookProviders: 'WEBHOOK_PROVIDERS',
  allowedRegistries: 'ALLOWED_REGISTRIES',
  coalesceSeconds: 'COALESCE_SECONDS',
  replayWindowSeconds: 'REPLAY_WINDOW_SECONDS',
} as const;

/** One expected-platforms rule: repositories matching `pattern` (`*` wildcards) must provide `platforms`. */
export const platformRuleSchema = z.object({
  pattern: z.string().min(1),
  platforms: z.array(z.string()),
});

/** A JSON array in one variable, each item checked by `item`. */
function jsonArray<T extends z.ZodType>(item: T, what: string) {
  return z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return z.array(item).parse(JSON.parse(text)) as z.infer<T>[];
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a JSON array of ${what}: ${(error as Error).message}`,
        });
        return z.NEVER;
      }
    });
}

const env = z.object({
  [ENV.tableName]: z.string().min(3),
  [ENV.reportsBucket]: z.string().min(3).optional(),
  [ENV.topicArn]: z.string().startsWith('arn:').optional(),
  [ENV.queueUrl]: z.url().optional(),
  [ENV.expectedPlatforms]: z
    .string()
    .default('[]')
    .transform((text, ctx) => {
      try {
        return z.array(platformRuleSchema).parse(JSON.parse(text));
      } catch (error) {
        ctx.addIssue({
          code: 'custom',
          message: `must be a JSON array of {pattern, platforms}: ${(error as Error).message}`,
        });
        return z.NEVER;
      }
    }),
  // 15 minutes: publishers often push one architecture after another.
  [ENV.graceSeconds]: z.coerce.number().int().min(0).max(86_400).default(900),
  [ENV.notifySeverity]: z.enum(['error', 'warning']).default('error'),
  // A year of history unless configured.
  [ENV.scanTtlDays]: z.coerce.number().int().min(0).default(365),
  [ENV.historyApiUrl]: z.url().optional(),
  [ENV.slackSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.chatTopicArn]: z.string().startsWith('arn:').optional(),
  // Slack allows 50 blocks; a dozen findings and a "n more" line read well.
  [ENV.maxSlackFindings]: z.coerce.number().int().min(1).max(40).default(10),
  [ENV.webhookSecretArn]: z.string().startsWith('arn:').optional(),
  [ENV.webhookProviders]: jsonArray(
    z.enum(PROVIDER_NAMES),
    `provider names (${PROVIDER_NAMES.join(', ')})`
  ),
  [ENV.allowedRegistries]: jsonArray(
    z.string().min(1).max(255),
    'registries (host[:port] or *.domain)'
  ),
  // 10 s: a multi-platform push fires one event per manifest within seconds.
  // SQS delays a message by at most 900 s.
  [ENV.coalesceSeconds]: z.coerce.number().int().min(0).max(900).default(10),
  // An hour outlasts every provider's retry schedule.
  [ENV.replayWindowSeconds]: z.coerce
    .number()
    .int()
    .min(60)
    .max(86_400)
    .default(3600),
});

export type LambdaConfig = Readonly<{
  tableName: string;
  reportsBucket?: string;
  topicArn?: string;
  queueUrl?: string;
  expectedPlatforms: readonly z.infer<typeof platformRuleSchema>[];
  graceSeconds: number;
  notifySeverity: 'error' | 'warning';
  scanTtlDays: number;
  historyApiUrl?: string;
  slackSecretArn?: string;
  chatTopicArn?: string;
  maxSlackFindings: number;
  webhookSecretArn?: string;
  /** Providers whose webhooks are accepted; empty unless configured. */
  webhookProviders: readonly ProviderName[];
  /** Registries requests from outside may name; empty unless configured. */
  allowedRegistries: readonly string[];
  coalesceSeconds: number;
  replayWindowSeconds: number;
}>;

/**
 * Reads and validates the configuration.
 *
 * @throws ConfigError naming every bad variable (at cold start, so the function never runs half-configured).
 */
export function loadConfig(
  source: Readonly<Record<string, string | undefined>> = process.env
): LambdaConfig {
  const parsed = env.safeParse(source);
  if (!parsed.success) {
    const problems = parsed.error.issues.map(
      (issue) => `${issue.path.join('.')}: ${issue.message}`
    );
    throw new ConfigError(
      `invalid Lambda configuration: ${problems.join('; ')}`
    );
  }
  const e = parsed.data;
  return Object.freeze({
    tableName: e[ENV.tableName],
    expectedPlatforms: e[ENV.expectedPlatforms],
    graceSeconds: e[ENV.graceSeconds],
    notifySeverity: e[ENV.notifySeverity],
    scanTtlDays: e[ENV.scanTtlDays],
    maxSlackFindings: e[ENV.maxSlackFindings],
    webhookProviders: e[ENV.webhookProviders],
    allowedRegistries: e[ENV.allowedRegistries],
    coalesceSeconds: e[ENV.coalesceSeconds],
    replayWindowSeconds: e[ENV.replayWindowSeconds],
    ...(e[ENV.reportsBucket] ? { reportsBucket: e[ENV.reportsBucket] } : {}),
    ...(e[ENV.topicArn] ? { topicArn: e[ENV.topicArn] } : {}),
    ...(e[ENV.queueUrl] ? { queueUrl: e[ENV.queueUrl] } : {}),
    ...(e[ENV.historyApiUrl] ? { historyApiUrl: e[ENV.historyApiUrl] } : {}),
    ...(e[ENV.slackSecretArn] ? { slackSecretArn: e[ENV.slackSecretArn] } : {}),
    ...(e[ENV.chatTopicArn] ? { chatTopicArn: e[ENV.chatTopicArn] } : {}),
    ...(e[ENV.webhookSecretArn]
      ? { webhookSecretArn: e[ENV.webhookSecretArn] }
      : {}),
  });
}
