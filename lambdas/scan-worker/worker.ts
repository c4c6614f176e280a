/**
 * The scan worker's record handler: one SQS message → one scan request →
 * `processScanRequest`, made idempotent per image and policy (Powertools
 * idempotency), with metrics for scans, failures, bytes read and cache hits.
 * Everything it needs arrives in {@link WorkerDeps}, so tests run it with
 * real registries and a local DynamoDB.
 *
 * A registry the allowlist refuses stays refused: SQS would redeliver the
 * message until it dead-letters, failing the same way each time. So an
 * `EgressRefusedError` is recorded at once as an `error` scan (code
 * `forbidden`) and the record succeeds.
 */
import { createHash } from 'node:crypto';
import {
  IdempotencyConfig,
  makeIdempotent,
} from '@aws-lambda-powertools/idempotency';
import type { BasePersistenceLayer } from '@aws-lambda-powertools/idempotency/persistence';
import { MetricUnit } from '@aws-lambda-powertools/metrics';
import {
  EventBridgeSchema,
  SqsRecordSchema,
} from '@aws-lambda-powertools/parser/schemas';
import type { Context, SQSRecord } from 'aws-lambda';
import { EgressRefusedError } from '../../lib/engine/errors.js';
import {
  expectedPlatformsFor,
  type PlatformRule,
} from '../../lib/engine/history/policy.js';
import type { ScanRequest } from '../../lib/engine/history/scan-request.js';
import { formatPlatform } from '../../lib/engine/platform/platform.js';
import { parseQueueMessage } from '../../lib/usecases/parse-message.js';
import {
  deferIfEarly,
  type Outcome,
  type ProcessDeps,
  processScanRequest,
} from '../../lib/usecases/process-request.js';
import { recordPoisonMessage } from '../../lib/usecases/record-poison.js';
import { logger, metrics } from '../shared/powertools.js';

export interface WorkerDeps extends ProcessDeps {
  readonly persistence: BasePersistenceLayer;
  readonly rules: readonly PlatformRule[];
  readonly graceSeconds: number;
  readonly notifySeverity: 'error' | 'warning';
  readonly historyApiUrl?: string;
  /** Milliseconds left in this invocation (the Lambda context's). */
  readonly remainingMs: () => number;
}

/** Kept back from the Lambda timeout so an overrunning scan still records `error`. */
const SAFETY_MARGIN_MS = 30_000;
/** A second event for the same image and policy within this window is not scanned again. */
const IDEMPOTENCY_SECONDS = 3600;

interface Work {
  readonly key: string;
  readonly request: ScanRequest;
}

/** A short, stable summary of an outcome (what idempotency stores and returns to duplicates). */
export type OutcomeSummary = {
  kind: Outcome['kind'];
  scanId?: string;
  status?: string;
  notified?: boolean;
};

/** Builds the per-record handler for the batch processor. */
export function createRecordHandler(
  deps: WorkerDeps,
  context?: Context
): (record: SQSRecord) => Promise<OutcomeSummary> {
  const config = new IdempotencyConfig({
    eventKeyJmesPath: 'key',
    expiresAfterSeconds: IDEMPOTENCY_SECONDS,
  });
  // An in-progress record expires with the invocation, so a crash frees the key for the retry.
  if (context) config.registerLambdaContext(context);
  // The refusal is recorded inside the idempotent call, so a redelivery of
  // the same request is answered from the stored summary, not recorded twice.
  const idempotent = makeIdempotent(
    async (work: Work): Promise<OutcomeSummary> => {
      try {
        return summarize(await run(work.request, deps));
      } catch (error) {
        if (!(error instanceof EgressRefusedError)) throw error;
        return refused(work.request, error, deps);
      }
    },
    {
      persistenceStore: deps.persistence,
      config,
    }
  );
  return async (record) => {
    // The record as AWS documents it (Powertools parser), then its body.
    const sqs = SqsRecordSchema.parse(record);
    // Keys of the previous record in the batch must not label this one.
    logger.removeKeys(['repository', 'tag', 'digest']);
    logger.setCorrelationId(correlationOf(sqs.body) ?? sqs.messageId);
    const parsed = parseQueueMessage(sqs.body);
    if ('ignored' in parsed) {
      logger.info('ignored queue message', {
        reason: parsed.ignored,
        messageId: record.messageId,
      });
      return { kind: 'skipped' };
    }
    const { request } = parsed;
    logger.appendKeys({
      repository: `${request.registry}/${request.repository}`,
      tag: request.tag,
      digest: request.digest,
    });
    // An early re-check is re-sent unchanged: deferring it must stay outside
    // idempotency, or its next delivery would be answered as a duplicate.
    const deferred = await deferIfEarly(request, deps);
    if (deferred) return summarize(deferred);
    const result = await idempotent({
      key: idempotencyKey(request, deps.rules),
      request,
    });
    logger.info('scan request processed', { outcome: result });
    return result;
  };
}

/** The EventBridge event id when the body is an EventBridge event: one id from push to notification. */
function correlationOf(body: string): string | undefined {
  try {
    const event = EventBridgeSchema.safeParse(JSON.parse(body));
    return event.success ? event.data.id : undefined;
  } catch {
    return undefined;
  }
}

async function run(request: ScanRequest, deps: WorkerDeps): Promise<Outcome> {
  const expected = expectedPlatformsFor(request.repository, deps.rules);
  const signal = AbortSignal.timeout(
    Math.max(1000, deps.remainingMs() - SAFETY_MARGIN_MS)
  );
  const outcome = await processScanRequest(request, deps, {
    graceSeconds: deps.graceSeconds,
    notifySeverity: deps.notifySeverity,
    ...(expected ? { expectedPlatforms: expected } : {}),
    ...(deps.historyApiUrl
      ? { historyUrl: historyLink(deps.historyApiUrl) }
      : {}),
    scan: { signal },
  });
  if (outcome.kind === 'scanned') {
    const { record } = outcome;
    metrics.addMetric('scans', MetricUnit.Count, 1);
    if (record.status !== 'pass')
      metrics.addMetric(
        record.status === 'error' ? 'scanErrors' : 'failures',
        MetricUnit.Count,
        1
      );
    metrics.addMetric(
      'bytesRead',
      MetricUnit.Bytes,
      record.report.stats.bytesDownloaded
    );
    const layers = record.report.platforms.flatMap((p) => p.layers);
    metrics.addMetric(
      'layerCacheHits',
      MetricUnit.Count,
      layers.filter((l) => l.fromCache).length
    );
  }
  return outcome;
}

/** Records a request whose registry may not be contacted as an `error` scan. */
async function refused(
  request: ScanRequest,
  error: EgressRefusedError,
  deps: WorkerDeps
): Promise<OutcomeSummary> {
  const record = await recordPoisonMessage(
    JSON.stringify(request),
    1,
    deps,
    error
  );
  metrics.addMetric('scans', MetricUnit.Count, 1);
  metrics.addMetric('scanErrors', MetricUnit.Count, 1);
  logger.warn('registry refused: recorded as an error scan, not retried', {
    reason: error.message,
    scanId: record.scanId,
  });
  return {
    kind: 'scanned',
    scanId: record.scanId,
    status: record.status,
    notified: deps.notifier !== undefined,
  };
}

function summarize(outcome: Outcome): OutcomeSummary {
  if (outcome.kind === 'scanned') {
    return {
      kind: outcome.kind,
      scanId: outcome.record.scanId,
      status: outcome.record.status,
      notified: outcome.notified,
    };
  }
  return outcome.kind === 'duplicate'
    ? { kind: outcome.kind, scanId: outcome.scanId }
    : { kind: outcome.kind };
}

/** Same image and same expected platforms → same key; a re-check is its own event. */
export function idempotencyKey(
  request: ScanRequest,
  rules: readonly PlatformRule[]
): string {
  const policy = (expectedPlatformsFor(request.repository, rules) ?? [])
    .map(formatPlatform)
    .join(',');
  const image = `${request.registry}/${request.repository}@${request.digest ?? `tag:${request.tag ?? 'latest'}`}`;
  // Without a digest a tag may name new content on every push: each such request is its own event.
  const phase =
    request.source === 'recheck'
      ? `recheck:${request.notBefore ?? ''}`
      : request.digest
        ? 'push'
        : `push:${request.receivedAt}`;
  return createHash('sha256')
    .update(`${image}\0${policy}\0${phase}`)
    .digest('hex');
}

function historyLink(base: string) {
  return (record: { digest?: string; scanId: string }) =>
    record.digest
      ? `${base.replace(/\/$/, '')}/scans/${encodeURIComponent(record.digest)}`
      : `${base.replace(/\/$/, '')}/scans`;
}
