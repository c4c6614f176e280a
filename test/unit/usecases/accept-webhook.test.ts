import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryClaimStore } from '../../../lib/adapters/local/memory-claim-store.js';
import type { RegistryPolicy } from '../../../lib/engine/egress/policy.js';
import {
  EgressRefusedError,
  RegistryError,
  WebhookError,
} from '../../../lib/engine/errors.js';
import type { ScanRequest } from '../../../lib/engine/history/scan-request.js';
import { MediaType } from '../../../lib/engine/media-types.js';
import type {
  PushedImage,
  WebhookDelivery,
} from '../../../lib/engine/webhooks/types.js';
import type { ScanQueue } from '../../../lib/ports/scan-queue.js';
import {
  acceptWebhook,
  type IntakeAnswer,
  type IntakeDeps,
  RESEND_GRACE_SECONDS,
} from '../../../lib/usecases/accept-webhook.js';
import {
  FakeWebhookProvider,
  fakePush,
  signFake,
} from '../../support/fakes/fake-webhook-provider.js';
import { MemoryScanQueue } from '../../support/fakes/memory-scan-queue.js';
import { TestClock } from '../../support/fakes/test-clock.js';

const SECRET = 'hunter2-but-longer';
const DIGEST = `sha256:${'a'.repeat(64)}`;

/** Allows hosts of a list, lower-casing them as the real allowlist does. */
class ListPolicy implements RegistryPolicy {
  constructor(private readonly hosts: readonly string[]) {}
  check(registry: string): string {
    const host = registry.toLowerCase();
    if (this.hosts.includes(host)) return host;
    throw new EgressRefusedError(
      `registry ${host} is not on the allowlist; add it to registries.allow`
    );
  }
}

class FailingQueue implements ScanQueue {
  failures = 1;
  readonly sent: ScanRequest[] = [];
  async send(request: ScanRequest): Promise<void> {
    if (this.failures > 0) {
      this.failures -= 1;
      throw new RegistryError('cannot queue a scan request: throttled', {
        retryable: true,
        code: 'internal',
      });
    }
    this.sent.push(request);
  }
}

const image = (over: Partial<PushedImage> = {}): PushedImage => ({
  registry: 'registry.example.com',
  repository: 'team/app',
  tag: '1.4.0',
  digest: DIGEST,
  mediaType: MediaType.ociIndex,
  ...over,
});

describe('acceptWebhook', () => {
  let clock: TestClock;
  let claims: MemoryClaimStore;
  let queue: MemoryScanQueue;
  let provider: FakeWebhookProvider;
  let deps: IntakeDeps;

  beforeEach(() => {
    clock = new TestClock('2026-11-25T12:00:00.000Z');
    claims = new MemoryClaimStore(clock);
    queue = new MemoryScanQueue(clock);
    provider = new FakeWebhookProvider();
    deps = {
      providers: { distribution: provider },
      settings: { distribution: { secret: SECRET } },
      policy: new ListPolicy(['registry.example.com', 'pinned.example.com']),
      claims,
      queue,
      clock,
      coalesceSeconds: 10,
      replayWindowSeconds: 3600,
    };
  });

  function delivery(
    body: unknown,
    secret: string = SECRET,
    raw?: string
  ): WebhookDelivery {
    const text = raw ?? JSON.stringify(body);
    return {
      headers: {
        ...signFake(text, secret),
        'content-type': 'application/json',
      },
      body: new TextEncoder().encode(text),
      query: {},
      receivedAt: clock.now(),
    };
  }

  const accept = (body: unknown, over: Partial<IntakeDeps> = {}) =>
    acceptWebhook('distribution', delivery(body), { ...deps, ...over });

  async function refusal(promise: Promise<unknown>): Promise<WebhookError> {
    const error = await promise.then(
      () => undefined,
      (e: unknown) => e
    );
    expect(error).toBeInstanceOf(WebhookError);
    return error as WebhookError;
  }

  describe('who may deliver', () => {
    it('answers 404 for a provider archscan does not know', async () => {
      // Act
      const error = await refusal(
        acceptWebhook('gitlab', delivery(fakePush([image()])), deps)
      );
      // Assess
      expect(error.status).toBe(404);
      expect(error.message).toMatch(/unknown webhook provider "gitlab"/);
      expect(queue.messages).toEqual([]);
    });

    it('answers 404 for a known provider that is not configured', async () => {
      // Act
      const error = await refusal(
        acceptWebhook('ghcr', delivery(fakePush([image()])), deps)
      );
      // Assess
      expect(error.status).toBe(404);
      expect(error.message).toMatch(/webhooks\.providers\.ghcr/);
    });

    it('answers 401 to a forged delivery before reading it, taking no claim', async () => {
      // Act
      const error = await refusal(
        acceptWebhook(
          'distribution',
          delivery(fakePush([image()], { deliveryId: 'd1' }), 'guessed'),
          deps
        )
      );
      // Assess
      expect(error.status).toBe(401);
      expect(provider.parses).toBe(0);
      expect(claims.active()).toEqual([]);
      expect(queue.messages).toEqual([]);
      expect(error.message).not.toContain(SECRET);
    });

    it('answers 400 to an authentic body the provider cannot read', async () => {
      // Act
      const error = await refusal(
        acceptWebhook('distribution', delivery(null, SECRET, '{oops'), deps)
      );
      // Assess
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/not JSON/);
    });
  });

  describe('what is not a push', () => {
    it('answers a ping with 200 pong', async () => {
      // Act
      const got = await accept({ kind: 'ping', deliveryId: 'p1' });
      // Assess
      expect(got).toEqual({
        status: 200,
        body: { message: 'pong', queued: 0, coalesced: 0, ignored: 0 },
      });
    });

    it('answers an ignored event with 202 and the reason', async () => {
      // Act
      const got = await accept({ kind: 'ignored', reason: 'event pull' });
      // Assess
      expect(got).toEqual({
        status: 202,
        body: { message: 'event pull', queued: 0, coalesced: 0, ignored: 1 },
      });
      expect(queue.messages).toEqual([]);
    });
  });

  describe('a push', () => {
    it('queues one webhook scan request, delayed by the coalescing window', async () => {
      // Act
      const got = await accept(
        fakePush([image()], {
          deliveryId: 'd1',
          sentAt: clock.now().toISOString(),
        })
      );
      // Assess
      expect(got).toEqual({
        status: 202,
        body: {
          message: 'queued 1, coalesced 0, ignored 0',
          queued: 1,
          coalesced: 0,
          ignored: 0,
        },
      });
      expect(queue.messages).toEqual([
        {
          request: {
            version: 1,
            source: 'webhook',
            registry: 'registry.example.com',
            repository: 'team/app',
            tag: '1.4.0',
            digest: DIGEST,
            receivedAt: '2026-11-25T12:00:00.000Z',
          },
          delaySeconds: 10,
          visibleAt: Date.parse('2026-11-25T12:00:10.000Z'),
        },
      ]);
    });

    it('drops untagged platform manifests, which their index covers', async () => {
      // Act
      const got = await accept(
        fakePush(
          [
            image(),
            image({ tag: undefined, mediaType: MediaType.ociManifest }),
            image({ tag: '', mediaType: MediaType.dockerManifest }),
          ],
          { ignored: 3 }
        )
      );
      // Assess
      expect(got.body).toMatchObject({ queued: 1, coalesced: 0, ignored: 5 });
      expect(queue.messages.map((m) => m.request.tag)).toEqual(['1.4.0']);
    });

    it('keeps an index pushed by digest, a tagged manifest and an image of unknown type', async () => {
      // Act
      const got = await accept(
        fakePush([
          image({ tag: undefined, digest: `sha256:${'1'.repeat(64)}` }),
          image({ tag: 'amd64', mediaType: MediaType.ociManifest }),
          image({
            tag: undefined,
            digest: `sha256:${'2'.repeat(64)}`,
            mediaType: undefined,
          }),
        ])
      );
      // Assess
      expect(got.body).toMatchObject({ queued: 3, ignored: 0 });
      expect(queue.messages.map((m) => m.request.tag)).toEqual([
        undefined,
        'amd64',
        undefined,
      ]);
    });

    it('scans the latest tag when an image names neither tag nor digest', async () => {
      // Act
      await accept(fakePush([image({ tag: undefined, digest: undefined })]));
      // Assess
      expect(queue.messages[0]?.request).toMatchObject({ tag: 'latest' });
      expect(queue.messages[0]?.request.digest).toBeUndefined();
    });

    it('takes the registry the policy normalizes', async () => {
      // Act
      await accept(fakePush([image({ registry: 'Registry.Example.COM' })]));
      // Assess
      expect(queue.messages[0]?.request.registry).toBe('registry.example.com');
    });

    it('fetches from the pinned registry whatever the payload says', async () => {
      // Prepare
      const settings = {
        distribution: { secret: SECRET, registry: 'pinned.example.com' },
      };
      // Act
      await accept(
        fakePush([
          image({ registry: 'evil.example.net' }),
          image({ registry: undefined, repository: 'team/other' }),
        ]),
        { settings }
      );
      // Assess
      expect(queue.messages.map((m) => m.request.registry)).toEqual([
        'pinned.example.com',
        'pinned.example.com',
      ]);
    });

    it('answers 400 when neither payload nor settings name a registry', async () => {
      // Act
      const error = await refusal(
        accept(fakePush([image({ registry: undefined })]))
      );
      // Assess
      expect(error.status).toBe(400);
      expect(error.message).toBe(
        'payload names no registry; set webhooks.providers.distribution.registry'
      );
      expect(queue.messages).toEqual([]);
    });

    it('answers 400 for an image no scan request can carry', async () => {
      // Act
      const error = await refusal(
        accept(fakePush([image({ repository: 'x'.repeat(300) })]))
      );
      // Assess
      expect(error.status).toBe(400);
      expect(error.message).toMatch(/repository/);
      expect(queue.messages).toEqual([]);
    });
  });

  describe('forbidden registries', () => {
    it('answers 403 and queues nothing when any image names a registry off the allowlist', async () => {
      // Act
      const error = await refusal(
        accept(
          fakePush(
            [
              image(),
              image({ registry: '169.254.169.254', repository: 'latest' }),
            ],
            { deliveryId: 'd-forbidden' }
          )
        )
      );
      // Assess
      expect(error.status).toBe(403);
      expect(error.cause).toBeInstanceOf(EgressRefusedError);
      expect(error.message).toMatch(
        /169\.254\.169\.254 is not on the allowlist/
      );
      expect(queue.messages).toEqual([]);
      expect(claims.active()).toEqual([]);
    });

    it('keeps refusing the same delivery for its registry when it is sent again', async () => {
      // Prepare
      const body = fakePush([image({ registry: 'evil.example.net' })], {
        deliveryId: 'd-evil',
      });
      await refusal(accept(body));
      // Act
      const again = await refusal(accept(body));
      // Assess: refused for the registry again, not taken for a replay
      expect(again.status).toBe(403);
      expect(queue.messages).toEqual([]);
    });
  });

  describe('stale and replayed deliveries', () => {
    it('answers 401 to a delivery sent before the replay window', async () => {
      // Act
      const error = await refusal(
        accept(
          fakePush([image()], {
            deliveryId: 'old',
            sentAt: '2026-11-25T10:59:59.000Z',
          })
        )
      );
      // Assess
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/^stale delivery/);
      expect(queue.messages).toEqual([]);
      expect(claims.active()).toEqual([]);
    });

    it('accepts a delivery sent just inside the replay window', async () => {
      // Act
      const got = await accept(
        fakePush([image()], { sentAt: '2026-11-25T11:00:00.000Z' })
      );
      // Assess
      expect(got.body.queued).toBe(1);
    });

    it('answers 401 to a delivery dated more than five minutes ahead', async () => {
      // Act
      const ahead = await refusal(
        accept(fakePush([image()], { sentAt: '2026-11-25T12:05:01.000Z' }))
      );
      const skewed = await accept(
        fakePush([image()], { sentAt: '2026-11-25T12:04:59.000Z' })
      );
      // Assess
      expect(ahead.status).toBe(401);
      expect(ahead.message).toMatch(/^stale delivery.*future/);
      expect(skewed.body.queued).toBe(1);
    });

    it('answers 401 to a replayed delivery and queues nothing more', async () => {
      // Prepare
      const body = fakePush([image()], { deliveryId: 'guid-1' });
      await accept(body);
      clock.advance(RESEND_GRACE_SECONDS + 1);
      // Act
      const error = await refusal(accept(body));
      const again = await refusal(accept(body));
      // Assess: and the refusal does not open a new grace
      expect(error.status).toBe(401);
      expect(error.message).toMatch(/^replayed delivery guid-1/);
      expect(again.status).toBe(401);
      expect(queue.messages).toHaveLength(1);
    });

    it('acknowledges the sender resending soon after acceptance, queueing nothing again', async () => {
      // Prepare: the sender timed out before our answer and sends again
      const body = fakePush([image()], { deliveryId: 'guid-2' });
      await accept(body);
      clock.advance(RESEND_GRACE_SECONDS - 1);
      // Act
      const resent = await accept(body);
      // Assess
      expect(resent.status).toBe(200);
      expect(resent.body).toMatchObject({ queued: 0, coalesced: 0 });
      expect(resent.body.message).toMatch(/already accepted/);
      expect(queue.messages).toHaveLength(1);
    });

    it('accepts a delivery id again once the replay window has passed', async () => {
      // Prepare
      const body = fakePush([image()], { deliveryId: 'guid-1' });
      await accept(body);
      // Act
      clock.advance(3601);
      const got = await accept(body);
      // Assess
      expect(got.body.queued).toBe(1);
      expect(queue.messages).toHaveLength(2);
    });

    it('keeps delivery ids of different providers apart', async () => {
      // Prepare
      const other = new FakeWebhookProvider('harbor');
      const both: Partial<IntakeDeps> = {
        providers: { distribution: provider, harbor: other },
        settings: {
          distribution: { secret: SECRET },
          harbor: { secret: SECRET },
        },
      };
      const body = fakePush([image()], { deliveryId: 'same' });
      await accept(body, both);
      // Act
      const got = await acceptWebhook('harbor', delivery(body), {
        ...deps,
        ...both,
      });
      // Assess
      expect(got.status).toBe(202);
    });
  });

  describe('coalescing', () => {
    it('turns a storm of 50 deliveries for one image into one scan', async () => {
      // Act
      const answers: IntakeAnswer[] = [];
      for (let i = 0; i < 50; i++) {
        answers.push(
          await accept(fakePush([image()], { deliveryId: `d${i}` }))
        );
      }
      // Assess
      expect(queue.messages).toHaveLength(1);
      expect(answers.reduce((n, a) => n + a.body.queued, 0)).toBe(1);
      expect(answers.reduce((n, a) => n + a.body.coalesced, 0)).toBe(49);
      expect(answers.every((a) => a.status === 202)).toBe(true);
    });

    it('queues the image again after the window', async () => {
      // Prepare
      await accept(fakePush([image()], { deliveryId: 'd1' }));
      clock.advance(5);
      await accept(fakePush([image()], { deliveryId: 'd2' }));
      // Act
      clock.advance(6);
      const got = await accept(fakePush([image()], { deliveryId: 'd3' }));
      // Assess
      expect(got.body).toMatchObject({ queued: 1, coalesced: 0 });
      expect(queue.messages).toHaveLength(2);
    });

    it('coalesces duplicates within one delivery', async () => {
      // Act
      const got = await accept(
        fakePush([image(), image(), image({ tag: 'latest' })])
      );
      // Assess: the key is the digest, whichever tag named it
      expect(got.body).toMatchObject({ queued: 1, coalesced: 2 });
    });

    it('keeps different tags of a repository apart when no digest is known', async () => {
      // Act
      const got = await accept(
        fakePush([
          image({ digest: undefined, tag: '1.4.0' }),
          image({ digest: undefined, tag: 'latest' }),
          image({ digest: undefined, tag: 'latest' }),
        ])
      );
      // Assess
      expect(got.body).toMatchObject({ queued: 2, coalesced: 1 });
      expect(queue.messages.map((m) => m.request.tag)).toEqual([
        '1.4.0',
        'latest',
      ]);
    });
  });

  describe('a queue that fails', () => {
    it('gives back the image and delivery claims and rethrows, so a retry is queued', async () => {
      // Prepare
      const failing = new FailingQueue();
      const body = fakePush([image()], { deliveryId: 'retry-me' });
      // Act
      const first = await accept(body, { queue: failing }).then(
        () => undefined,
        (e: unknown) => e
      );
      const claimedAfterFailure = claims.active();
      const retry = await accept(body, { queue: failing });
      // Assess
      expect(first).toBeInstanceOf(RegistryError);
      expect(claimedAfterFailure).toEqual([]);
      expect(retry.body.queued).toBe(1);
      expect(failing.sent).toHaveLength(1);
    });

    it('reports the queue error even when giving a claim back fails too', async () => {
      // Prepare: the store behind queue and claims is down
      const failing = new FailingQueue();
      const release = claims.release.bind(claims);
      claims.release = async () => {
        throw new Error('store down');
      };
      // Act
      const error = await accept(
        fakePush([image()], { deliveryId: 'store-down' }),
        { queue: failing }
      ).then(
        () => undefined,
        (e: unknown) => e
      );
      claims.release = release;
      // Assess
      expect(error).toBeInstanceOf(RegistryError);
    });

    it('keeps the claims of images queued before the failure', async () => {
      // Prepare: the second image's send fails
      const queued: ScanRequest[] = [];
      const second: ScanQueue = {
        async send(request) {
          if (queued.length === 1) throw new Error('throttled');
          queued.push(request);
        },
      };
      // Act
      await accept(
        fakePush([image(), image({ repository: 'team/other' })], {
          deliveryId: 'half',
        }),
        { queue: second }
      ).catch(() => undefined);
      // Assess
      expect(claims.active()).toEqual([
        `image:registry.example.com/team/app@${DIGEST}`,
      ]);
    });
  });
});
