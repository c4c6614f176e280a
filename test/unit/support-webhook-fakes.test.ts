import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../lib/engine/errors.js';
import type { WebhookDelivery } from '../../lib/engine/webhooks/types.js';
import {
  FakeWebhookProvider,
  fakePush,
  signFake,
} from '../support/fakes/fake-webhook-provider.js';

const delivery = (
  text: string,
  headers: Record<string, string>
): WebhookDelivery => ({
  headers,
  body: Buffer.from(text),
  query: {},
  receivedAt: new Date('2026-11-25T12:00:00.000Z'),
});

describe('FakeWebhookProvider', () => {
  const provider = new FakeWebhookProvider();
  const text = JSON.stringify(
    fakePush([{ repository: 'team/app', tag: '1' }], {
      sentAt: '2026-11-25T11:59:00.000Z',
    })
  );

  it('accepts a body signed with the secret and reads it back', async () => {
    const signed = delivery(text, signFake(text, 's3cret'));
    await expect(
      provider.authenticate(signed, { secret: 's3cret' })
    ).resolves.toBeUndefined();
    expect(provider.parse(signed)).toEqual({
      kind: 'push',
      images: [{ repository: 'team/app', tag: '1' }],
      ignored: 0,
      sentAt: new Date('2026-11-25T11:59:00.000Z'),
    });
  });

  it('refuses a body signed with another secret, or changed after signing', async () => {
    const other = delivery(text, signFake(text, 'other'));
    const changed = delivery(`${text} `, signFake(text, 's3cret'));
    await expect(
      provider.authenticate(other, { secret: 's3cret' })
    ).rejects.toThrow(WebhookError);
    await expect(
      provider.authenticate(changed, { secret: 's3cret' })
    ).rejects.toThrow(/bad signature/);
  });

  it('answers 400 for a body without a known kind', () => {
    expect(() => provider.parse(delivery('{"kind":"x"}', {}))).toThrow(
      /without a known kind/
    );
  });
});
