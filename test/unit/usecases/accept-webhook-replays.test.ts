/**
 * Every provider's documented push payload through the real intake: the
 * first delivery is queued; the same delivery sent again at once is the
 * sender's retry (200, nothing queued again); sent again later, it is a
 * replay (401, nothing queued). Quay's payload carries nothing unique, so a
 * resend is only coalesced into the scan already queued.
 */
import { describe, expect, it } from 'vitest';
import { MemoryClaimStore } from '../../../lib/adapters/local/memory-claim-store.js';
import { WebhookError } from '../../../lib/engine/errors.js';
import { PROVIDERS } from '../../../lib/engine/webhooks/providers/index.js';
import type {
  ProviderName,
  WebhookDelivery,
} from '../../../lib/engine/webhooks/types.js';
import { hmacSha256Hex } from '../../../lib/engine/webhooks/verify.js';
import {
  acceptWebhook,
  RESEND_GRACE_SECONDS,
} from '../../../lib/usecases/accept-webhook.js';
import { MemoryScanQueue } from '../../support/fakes/memory-scan-queue.js';
import { TestClock } from '../../support/fakes/test-clock.js';
import { fixtureBytes } from '../../support/provider-deliveries.js';

const SECRET = 'a-shared-secret-of-some-length';

/** A push fixture per provider, and how its delivery authenticates. */
const CASES: readonly [ProviderName, string][] = [
  ['distribution', 'push-manifest.json'],
  ['acr', 'push.json'],
  ['harbor', 'push-default.json'],
  ['jfrog', 'pushed.json'],
  ['dockerhub', 'push.json'],
  ['ghcr', 'registry-package-published.json'],
  ['gar', 'insert-tagged.json'],
];

function deliveryOf(provider: ProviderName, body: Uint8Array): WebhookDelivery {
  const signed = provider === 'ghcr';
  return {
    headers: signed
      ? {
          'x-github-event': 'registry_package',
          'x-hub-signature-256': `sha256=${hmacSha256Hex(SECRET, body)}`,
        }
      : {},
    query: signed ? {} : { token: SECRET },
    body,
    receivedAt: new Date(),
  };
}

function intake(provider: ProviderName, delivery: WebhookDelivery) {
  // The clock stands just after the event, so no fixture is stale.
  const parsed = PROVIDERS[provider].parse(delivery);
  const sentAt = parsed.kind === 'push' ? parsed.sentAt : undefined;
  const clock = new TestClock(
    new Date((sentAt ?? new Date('2026-11-25T10:00:00Z')).getTime() + 60_000)
  );
  const queue = new MemoryScanQueue(clock);
  return {
    queue,
    clock,
    deps: {
      providers: PROVIDERS,
      settings: {
        [provider]: {
          secret: SECRET,
          ...(provider === 'jfrog' ? { registry: 'example.jfrog.io' } : {}),
        },
      },
      policy: { check: (registry: string) => registry },
      claims: new MemoryClaimStore(clock),
      queue,
      clock,
      coalesceSeconds: 10,
      replayWindowSeconds: 3600,
    },
  };
}

describe('replayed deliveries, provider by provider', () => {
  it.each(CASES)(
    '%s: queued once; resent at once, acknowledged; replayed later, 401',
    async (provider, fixture) => {
      // Prepare
      const delivery = deliveryOf(provider, fixtureBytes(provider, fixture));
      const { queue, deps, clock } = intake(provider, delivery);
      // Act
      const first = await acceptWebhook(provider, delivery, deps);
      const resent = await acceptWebhook(provider, delivery, deps);
      clock.advance(RESEND_GRACE_SECONDS + 1);
      const replay = await acceptWebhook(provider, delivery, deps).catch(
        (e: unknown) => e
      );
      // Assess
      expect(first.status).toBe(202);
      expect(first.body.queued).toBeGreaterThanOrEqual(1);
      expect(resent).toMatchObject({ status: 200, body: { queued: 0 } });
      expect(replay).toBeInstanceOf(WebhookError);
      expect(replay).toMatchObject({ status: 401 });
      expect((replay as Error).message).toMatch(/replayed delivery/);
      expect(queue.messages).toHaveLength(first.body.queued);
    }
  );

  it('quay: a resend names nothing unique, so it is coalesced, not queued twice', async () => {
    // Prepare
    const delivery = deliveryOf('quay', fixtureBytes('quay', 'repo-push.json'));
    const { queue, deps } = intake('quay', delivery);
    // Act
    const first = await acceptWebhook('quay', delivery, deps);
    const again = await acceptWebhook('quay', delivery, deps);
    // Assess
    expect(first.body.queued).toBeGreaterThanOrEqual(1);
    expect(again.body).toMatchObject({
      queued: 0,
      coalesced: first.body.queued,
    });
    expect(queue.messages).toHaveLength(first.body.queued);
  });
});
