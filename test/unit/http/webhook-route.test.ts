import { beforeEach, describe, expect, it } from 'vitest';
import { MemoryClaimStore } from '../../../lib/adapters/local/memory-claim-store.js';
import { EgressRefusedError } from '../../../lib/engine/errors.js';
import { createRouter } from '../../../lib/http/router.js';
import type { HttpHandler, HttpRequest } from '../../../lib/http/types.js';
import { toDelivery, webhookRoute } from '../../../lib/http/webhook-route.js';
import type { IntakeDeps } from '../../../lib/usecases/accept-webhook.js';
import {
  FakeWebhookProvider,
  fakePush,
  signFake,
} from '../../support/fakes/fake-webhook-provider.js';
import { MemoryScanQueue } from '../../support/fakes/memory-scan-queue.js';
import { TestClock } from '../../support/fakes/test-clock.js';

const SECRET = 'route-secret';

const post = (
  path: string,
  text: string,
  headers: Record<string, string> = signFake(text, SECRET)
): HttpRequest => ({
  method: 'POST',
  path,
  query: { token: 'q' },
  headers,
  body: Buffer.from(text),
});

describe('webhookRoute', () => {
  let clock: TestClock;
  let queue: MemoryScanQueue;
  let deps: IntakeDeps;

  beforeEach(() => {
    clock = new TestClock('2026-11-25T12:00:00.000Z');
    queue = new MemoryScanQueue(clock);
    deps = {
      providers: { distribution: new FakeWebhookProvider() },
      settings: { distribution: { secret: SECRET } },
      policy: {
        check: (registry) => {
          if (registry === 'registry.example.com') return registry;
          throw new EgressRefusedError(`registry ${registry} is not allowed`);
        },
      },
      claims: new MemoryClaimStore(clock),
      queue,
      clock,
      coalesceSeconds: 10,
      replayWindowSeconds: 3600,
    };
  });

  const text = JSON.stringify(
    fakePush([
      { registry: 'registry.example.com', repository: 'team/app', tag: '1' },
    ])
  );

  it.each<[string, (d: IntakeDeps) => HttpHandler]>([
    ['fixed dependencies', (d) => createRouter([webhookRoute(d)])],
    [
      'dependencies resolved per request',
      (d) => createRouter([webhookRoute(async () => d)]),
    ],
  ])('answers 202 with the counts, given %s', async (_, router) => {
    // Act
    const response = await router(deps)(post('/webhooks/distribution', text));
    // Assess
    expect(response.status).toBe(202);
    expect(JSON.parse(response.body)).toEqual({
      message: 'queued 1, coalesced 0, ignored 0',
      queued: 1,
      coalesced: 0,
      ignored: 0,
    });
    expect(queue.messages).toHaveLength(1);
  });

  it.each([
    ['an unknown provider', '/webhooks/gitlab', text, undefined, 404],
    [
      'a forged delivery',
      '/webhooks/distribution',
      text,
      signFake(text, 'guess'),
      401,
    ],
    [
      'a forbidden registry',
      '/webhooks/distribution',
      JSON.stringify(
        fakePush([{ registry: '10.0.0.1', repository: 'team/app', tag: '1' }])
      ),
      undefined,
      403,
    ],
  ])(
    'answers %s with its status and a message',
    async (_, path, body, headers, status) => {
      // Act
      const response = await createRouter([webhookRoute(deps)])(
        post(path, body, headers ?? signFake(body, SECRET))
      );
      // Assess
      expect(response.status).toBe(status);
      expect(JSON.parse(response.body).message).toEqual(expect.any(String));
      expect(queue.messages).toEqual([]);
    }
  );

  it('answers GET with 405', async () => {
    const response = await createRouter([webhookRoute(deps)])({
      ...post('/webhooks/distribution', text),
      method: 'GET',
    });
    expect(response.status).toBe(405);
    expect(response.headers?.allow).toBe('POST');
  });
});

describe('toDelivery', () => {
  it('keeps headers, query and raw body, stamped with the clock', () => {
    // Prepare
    const request = post('/webhooks/distribution', '{"a": 1}');
    // Act
    const delivery = toDelivery(request, new TestClock('2026-11-25T12:34:56Z'));
    // Assess
    expect(delivery).toEqual({
      headers: request.headers,
      query: { token: 'q' },
      body: request.body,
      receivedAt: new Date('2026-11-25T12:34:56Z'),
    });
  });
});
