/**
 * The scan worker's Lambda handler around its dependencies: SQS batches
 * with partial failures (Powertools batch), one record at a time because a
 * scan uses every core, and the Powertools middlewares for logs, traces and
 * metrics.
 */
import {
  BatchProcessor,
  EventType,
  processPartialResponse,
} from '@aws-lambda-powertools/batch';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import type { Context, SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { logger, metrics, tracer } from '../shared/powertools.js';
import { createRecordHandler, type WorkerDeps } from './worker.js';

/** Builds the handler; `deps` lacks only the invocation's remaining time. */
export function createWorkerHandler(deps: Omit<WorkerDeps, 'remainingMs'>) {
  const processor = new BatchProcessor(EventType.SQS);
  return middy(
    async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
      const recordHandler = createRecordHandler(
        { ...deps, remainingMs: () => context.getRemainingTimeInMillis() },
        context
      );
      return processPartialResponse(event, recordHandler, processor, {
        context,
        processInParallel: false,
      });
    }
  )
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .use(captureLambdaHandler(tracer))
    .use(logMetrics(metrics, { captureColdStartMetric: true }));
}
