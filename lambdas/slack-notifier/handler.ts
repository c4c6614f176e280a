/**
 * Slack notifier: a Lambda subscribed to the findings topic that rebuilds a
 * Block Kit message from the `scan` attribute and posts it to the incoming
 * webhook whose URL is kept in Secrets Manager (reference
 * aws-notifications.md §1.3 Lambda delivery, §2.1-2.2 Slack, §5 Powertools
 * Parameters and middlewares, §6 middy). The URL is never logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { SecretsProvider } from '@aws-lambda-powertools/parameters/secrets';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { SnsSchema } from '@aws-lambda-powertools/parser/schemas';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import middy from '@middy/core';
import {
  SlackWebhook,
  type SlackWebhookOptions,
} from '../../lib/adapters/notify/slack-webhook.js';
import { ConfigError } from '../../lib/engine/errors.js';
import { isNews } from '../../lib/engine/notify/scan-summary.js';
import { buildSlackMessage } from '../../lib/engine/notify/slack-blocks.js';
import { loadConfig } from '../shared/config.js';
import { readScanSummary, type SnsEvent } from '../shared/scan-message.js';

/** What the handler needs; the composition root below builds the real ones. */
export interface SlackNotifierDeps {
  /** The webhook URL (cached by the secrets provider). */
  readonly webhookUrl: () => Promise<string>;
  /** Findings listed before "n more" (MAX_SLACK_FINDINGS). */
  readonly maxFindings: number;
  /** Lowest finding severity worth a message (NOTIFY_SEVERITY). */
  readonly notifySeverity: 'error' | 'warning';
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
  /** Retry tuning of the webhook (tests inject `sleep`). */
  readonly webhook?: Omit<SlackWebhookOptions, 'url'>;
}

/**
 * Builds the SNS-triggered handler.
 *
 * @example
 * export const handler = createHandler({ webhookUrl, maxFindings: 10, notifySeverity: 'error', logger, tracer, metrics });
 */
export function createHandler(deps: SlackNotifierDeps) {
  const { logger, metrics } = deps;
  const webhooks = new Map<string, SlackWebhook>();
  const webhookFor = (url: string) => {
    const existing = webhooks.get(url);
    if (existing) return existing;
    const created = new SlackWebhook({ ...deps.webhook, url });
    webhooks.set(url, created);
    return created;
  };

  return middy<SnsEvent>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(deps.tracer))
    .use(logMetrics(metrics))
    .use(parser({ schema: SnsSchema }))
    .handler(async (event: SnsEvent): Promise<void> => {
      for (const record of event.Records) {
        const summary = readScanSummary(record.Sns);
        if (!summary || !isNews(summary, deps.notifySeverity)) {
          logger.info('not posting this message', {
            messageId: record.Sns.MessageId,
            reason: summary ? 'below notify severity' : 'no scan attribute',
          });
          metrics.addMetric('slackMessagesSkipped', MetricUnit.Count, 1);
          continue;
        }
        logger.appendKeys({
          scanId: summary.scanId,
          repository: summary.repository,
        });
        const webhook = webhookFor(webhookUrlFrom(await deps.webhookUrl()));
        const message = buildSlackMessage(summary, {
          maxFindings: deps.maxFindings,
        });
        try {
          await webhook.post(message);
        } catch (error) {
          // NotifyError messages are redacted; SNS retries the invocation.
          logger.error('could not post scan to slack', error as Error);
          metrics.addMetric('slackMessagesFailed', MetricUnit.Count, 1);
          throw error;
        }
        logger.info('posted scan to slack', { webhook: webhook.redactedUrl });
        metrics.addMetric('slackMessagesSent', MetricUnit.Count, 1);
      }
    });
}

/**
 * The webhook URL from the secret's value: the URL itself, or JSON with a
 * `url` or `webhookUrl` field.
 *
 * @throws ConfigError (without the value) when it holds no http(s) URL.
 */
export function webhookUrlFrom(secret: string): string {
  const text = secret.trim();
  let candidate = text;
  if (text.startsWith('{')) {
    try {
      const json = JSON.parse(text) as { url?: unknown; webhookUrl?: unknown };
      candidate = String(json.webhookUrl ?? json.url ?? '');
    } catch {
      candidate = '';
    }
  }
  if (/^https?:\/\/\S+$/.test(candidate)) return candidate;
  throw new ConfigError(
    'the slack secret must hold the webhook url, or json with a "url" field'
  );
}

// Cold start: configuration and clients are built once per execution environment.
function compose(): SlackNotifierDeps {
  const config = loadConfig();
  const secretArn = config.slackSecretArn;
  if (!secretArn) {
    throw new ConfigError('SLACK_SECRET_ARN is required by the slack notifier');
  }
  const logger = new Logger({ serviceName: 'archscan-slack-notifier' });
  const tracer = new Tracer({ serviceName: 'archscan-slack-notifier' });
  const metrics = new Metrics({
    namespace: 'archscan',
    serviceName: 'archscan-slack-notifier',
  });
  const secrets = new SecretsProvider({
    awsSdkV3Client: tracer.captureAWSv3Client(new SecretsManagerClient({})),
  });
  return {
    // Five minutes: a rotated URL is picked up soon, without a call per message.
    webhookUrl: async () =>
      String(await secrets.get(secretArn, { maxAge: 300 })),
    maxFindings: config.maxSlackFindings,
    notifySeverity: config.notifySeverity,
    logger,
    tracer,
    metrics,
  };
}

/** The Lambda entry point. */
export const handler = createHandler(compose());
