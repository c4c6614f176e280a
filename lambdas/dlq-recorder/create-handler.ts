/**
 * The dead-letter recorder Lambda: every scan request that failed
 * `MAX_RECEIVES` times is recorded as a scan with status `error` and
 * counted in the `PoisonMessages` metric, which the stack alarms on.
 */
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import middy from '@middy/core';
import type { Context, SQSEvent, SQSRecord } from 'aws-lambda';
import {
  type RecordPoisonDeps,
  recordPoisonMessage,
} from '../../lib/usecases/record-poison.js';
import { logger, metrics } from '../shared/powertools.js';

/** The scan queue's redrive `maxReceiveCount`. */
export const MAX_RECEIVES = 5;

/** Builds the handler around its dependencies (tests inject local ones). */
export function createDlqHandler(deps: RecordPoisonDeps) {
  const processor = new BatchProcessor(EventType.SQS);
  const recordHandler = async (record: SQSRecord) => {
    const stored = await recordPoisonMessage(record.body, MAX_RECEIVES, deps);
    metrics.addMetric('PoisonMessages', MetricUnit.Count, 1);
    logger.error('scan request set aside after repeated failures', {
      messageId: record.messageId,
      scanId: stored.scanId,
      reference: stored.reference,
    });
  };
  return middy(async (event: SQSEvent, context: Context) =>
    processPartialResponse(event, recordHandler, processor, { context })
  )
    .use(injectLambdaContext(logger))
    .use(logMetrics(metrics));
}
