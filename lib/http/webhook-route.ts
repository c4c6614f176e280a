/**
 * `POST /webhooks/{provider}`: a registry's delivery, handed to webhook
 * intake (`lib/usecases/accept-webhook.ts`) with its raw body, so
 * signatures are checked on the bytes as sent.
 */
import type { WebhookDelivery } from '../engine/webhooks/types.js';
import type { Clock } from '../ports/clock.js';
import { acceptWebhook, type IntakeDeps } from '../usecases/accept-webhook.js';
import { jsonResponse, type Route } from './router.js';
import type { HttpRequest } from './types.js';

/**
 * Intake's dependencies, or a function that resolves them per request
 * (on Lambda the provider secrets come from a cached Secrets Manager read).
 */
export type IntakeSource = IntakeDeps | (() => Promise<IntakeDeps>);

/**
 * The webhook route.
 *
 * @example
 * const handle = createRouter([webhookRoute(intakeDeps)], { log });
 * await handle({ method: 'POST', path: '/webhooks/ghcr', headers, query: {}, body });
 */
export function webhookRoute(intake: IntakeSource): Route {
  return {
    method: 'POST',
    path: '/webhooks/{provider}',
    handler: async (request, params) => {
      const deps = typeof intake === 'function' ? await intake() : intake;
      const answer = await acceptWebhook(
        params.provider ?? '',
        toDelivery(request, deps.clock),
        deps
      );
      return jsonResponse(answer.status, answer.body);
    },
  };
}

/**
 * The delivery a request carries: headers, query and the raw body as
 * they arrived, stamped with the time of receipt.
 *
 * @example toDelivery(request, systemClock).body // the bytes the signature covers
 */
export function toDelivery(
  request: HttpRequest,
  clock: Clock
): WebhookDelivery {
  return {
    headers: request.headers,
    body: request.body,
    query: request.query,
    receivedAt: clock.now(),
  };
}
