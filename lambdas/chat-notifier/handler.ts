/**
 * Chat notifier: a Lambda subscribed to the findings topic that turns the
 * `scan` attribute into an Amazon Q Developer custom notification and
 * publishes it to the dedicated chat topic (reference aws-notifications.md
 * §1.3 Lambda delivery, §2.3 custom notifications, §5-6 Powertools and
 * middy). A JSON body cannot share the findings topic with email, hence the
 * second topic.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { parser } from '@aws-lambda-powertools/parser/middleware';
import { SnsSchema } from '@aws-lambda-powertools/parser/schemas';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import { SNSClient } from '@aws-sdk/client-sns';
import middy from '@middy/core';
import { SnsChatPublisher } from '../../lib/adapters/aws/sns-chat-publisher.js';
import { ConfigError } from '../../lib/engine/errors.js';
import { buildChatNotification } from '../../lib/engine/notify/chat-notification.js';
import { isNews } from '../../lib/engine/notify/scan-summary.js';
import { loadConfig } from '../shared/config.js';
import { readScanSummary, type SnsEvent } from '../shared/scan-message.js';

/** What the handler needs; the composition root below builds the real ones. */
export interface ChatNotifierDeps {
  readonly publisher: Pick<SnsChatPublisher, 'publish'>;
  /** Lowest finding severity worth a message (NOTIFY_SEVERITY). */
  readonly notifySeverity: 'error' | 'warning';
  readonly logger: Logger;
  readonly tracer: Tracer;
  readonly metrics: Metrics;
}

/**
 * Builds the SNS-triggered handler.
 *
 * @example
 * export const handler = createHandler({ publisher, notifySeverity: 'error', logger, tracer, metrics });
 */
export function createHandler(deps: ChatNotifierDeps) {
  const { logger, metrics } = deps;
  return middy<SnsEvent>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(deps.tracer))
    .use(logMetrics(metrics))
    .use(parser({ schema: SnsSchema }))
    .handler(async (event: SnsEvent): Promise<void> => {
      for (const record of event.Records) {
        const summary = readScanSummary(record.Sns);
        const notification =
          summary && isNews(summary, deps.notifySeverity)
            ? buildChatNotification(summary)
            : undefined;
        if (!summary || !notification) {
          logger.info('not publishing this message', {
            messageId: record.Sns.MessageId,
            reason: summary ? 'not news' : 'no scan attribute',
          });
          metrics.addMetric('chatMessagesSkipped', MetricUnit.Count, 1);
          continue;
        }
        logger.appendKeys({
          scanId: summary.scanId,
          repository: summary.repository,
        });
        await deps.publisher.publish(notification);
        logger.info('published chat notification', {
          eventType: notification.metadata.eventType,
        });
        metrics.addMetric('chatMessagesSent', MetricUnit.Count, 1);
      }
    });
}

// Cold start: configuration and clients are built once per execution environment.
function compose(): ChatNotifierDeps {
  const config = loadConfig();
  if (!config.chatTopicArn) {
    throw new ConfigError('CHAT_TOPIC_ARN is required by the chat notifier');
  }
  const tracer = new Tracer({ serviceName: 'archscan-chat-notifier' });
  const client = tracer.captureAWSv3Client(new SNSClient({}));
  return {
    publisher: new SnsChatPublisher({ client, topicArn: config.chatTopicArn }),
    notifySeverity: config.notifySeverity,
    logger: new Logger({ serviceName: 'archscan-chat-notifier' }),
    tracer,
    metrics: new Metrics({
      namespace: 'archscan',
      serviceName: 'archscan-chat-notifier',
    }),
  };
}

/** The Lambda entry point. */
export const handler = createHandler(compose());
