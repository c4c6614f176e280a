/**
 * The webhook receiver's Lambda handler (API Gateway REST, Lambda proxy
 * integration, `POST /webhooks/{provider}`) around its dependencies: the
 * webhook route of `lib/http`, the same code `archscan serve` answers
 * with. Provider credentials come from the webhook secret on each
 * request (the caller caches the read), so edits to the secret apply
 * without a deployment.
 */
import { Logger } from '@aws-lambda-powertools/logger';
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import middy from '@middy/core';
import type { APIGatewayProxyEvent, APIGatewayProxyResult } from 'aws-lambda';
import type { JWTVerifyGetKey } from 'jose';
import type { RegistryPolicy } from '../../lib/engine/egress/policy.js';
import type { ProviderName } from '../../lib/engine/webhooks/types.js';
import { fromApiGateway, toApiGateway } from '../../lib/http/api-gateway.js';
import { createRouter, logFailures } from '../../lib/http/router.js';
import { webhookRoute } from '../../lib/http/webhook-route.js';
import type { ClaimStore } from '../../lib/ports/claims.js';
import type { Clock } from '../../lib/ports/clock.js';
import type { ScanQueue } from '../../lib/ports/scan-queue.js';
import type { IntakeDeps } from '../../lib/usecases/accept-webhook.js';
import { providerSettings } from './secret.js';

/** What the handler needs; the composition root builds the real ones. */
export interface WebhookReceiverDeps {
  /** Provider implementations by name. */
  readonly providers: IntakeDeps['providers'];
  /** Providers whose deliveries are accepted (WEBHOOK_PROVIDERS). */
  readonly enabled: readonly ProviderName[];
  /** The webhook secret's JSON text; cached by the caller. */
  readonly secret: () => Promise<string>;
  /** Google's signing keys, for Pub/Sub OIDC (gar with an audience). */
  readonly oidcKeys?: JWTVerifyGetKey;
  readonly policy: RegistryPolicy;
  readonly claims: ClaimStore;
  readonly queue: ScanQueue;
  readonly clock: Clock;
  readonly coalesceSeconds: number;
  readonly replayWindowSeconds: number;
  readonly logger?: Logger;
}

/**
 * Builds the handler.
 *
 * @example
 * const handler = createHandler({ providers: PROVIDERS, enabled: ['ghcr'], secret, policy, claims, queue, clock: systemClock, coalesceSeconds: 10, replayWindowSeconds: 3600 });
 * const response = await handler(event, context); // 202 {"message":"queued 1, …"}
 */
export function createHandler(deps: WebhookReceiverDeps) {
  const logger =
    deps.logger ?? new Logger({ serviceName: 'archscan-webhook-receiver' });
  const intake = async (): Promise<IntakeDeps> => ({
    providers: deps.providers,
    settings: providerSettings(
      await deps.secret(),
      deps.enabled,
      deps.oidcKeys
    ),
    policy: deps.policy,
    claims: deps.claims,
    queue: deps.queue,
    clock: deps.clock,
    coalesceSeconds: deps.coalesceSeconds,
    replayWindowSeconds: deps.replayWindowSeconds,
  });
  const router = createRouter([webhookRoute(intake)], {
    log: logFailures(logger),
  });
  return middy<APIGatewayProxyEvent, APIGatewayProxyResult>()
    .use(injectLambdaContext(logger, { resetKeys: true }))
    .handler(async (event) => {
      const request = fromApiGateway(event);
      const response = await router(request);
      if (response.status < 400) {
        // The answer holds counts and a reason, never a credential.
        logger.info('delivery answered', {
          path: request.path,
          status: response.status,
          answer: JSON.parse(response.body) as unknown,
        });
      }
      return toApiGateway(response);
    });
}
