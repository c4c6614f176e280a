/**
 * The environment variable names the Lambda handlers read. The handlers'
 * own copy lives in `lambdas/shared/config.ts` (`ENV`); infrastructure may
 * not import handler code, so the names are repeated here and a test in
 * `test/infra` proves the two copies are equal.
 */
export const LAMBDA_ENV = {
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

/** One of the environment variable names in {@link LAMBDA_ENV}. */
export type LambdaEnvName = (typeof LAMBDA_ENV)[keyof typeof LAMBDA_ENV];

/** A function's environment, keyed only by names the handlers know. */
export type LambdaEnvironment = Partial<Record<LambdaEnvName, string>>;
