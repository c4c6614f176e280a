import { describe, expect, it } from 'vitest';
import { jfrog } from '../../../../lib/engine/webhooks/providers/jfrog.js';
import {
  bodyDigest,
  hmacSha256Hex,
} from '../../../../lib/engine/webhooks/verify.js';
import {
  delivery,
  describeParseIsTotal,
  describeSharedSecret,
  fixtureBytes,
  fixtureDelivery,
  fixtureJson,
  webhookError,
  webhookRejection,
} from '../../../support/provider-deliveries.js';

const FIXTURES = [
  'pushed.json',
  'pushed-flat.json',
  'deleted.json',
  'promoted.json',
];

const LIST_SHA =
  '00e425eba0cb57936d7393ab199d4273774192cfb2df6644a9048bc8dffa2763';
const MANIFEST_SHA =
  '1be946796bc2ff7e8a397d759fd6a8387ccfdce684d24328facf2c41c1a0abc6';

type Json = Record<string, unknown>;

/** pushed.json with its data changed by `change`. */
function changedPush(change: (payload: Json, data: Json) => void): Json {
  const payload = fixtureJson('jfrog', 'pushed.json');
  change(payload, payload.data as Json);
  return payload;
}

describeSharedSecret({
  provider: jfrog,
  header: 'X-JFrog-Event-Auth',
  body: fixtureBytes('jfrog', 'pushed.json'),
});

describe('jfrog payload signing', () => {
  const secret = 'signing-secret';
  const body = fixtureBytes('jfrog', 'pushed.json');
  const signed = (signature: string) =>
    delivery(body, { headers: { 'x-jfrog-event-auth': signature } });

  it('accepts the hex HMAC-SHA256 of the body under the secret, in either case', async () => {
    const signature = hmacSha256Hex(secret, body);
    await expect(
      jfrog.authenticate(signed(signature), { secret })
    ).resolves.toBeUndefined();
    await expect(
      jfrog.authenticate(signed(signature.toUpperCase()), { secret })
    ).resolves.toBeUndefined();
  });

  it('refuses a signature of another body, or under another secret, with 401', async () => {
    // Prepare
    const otherBody = hmacSha256Hex(
      secret,
      fixtureBytes('jfrog', 'deleted.json')
    );
    const otherSecret = hmacSha256Hex('another-secret', body);
    // Act, Assess
    await webhookRejection(
      jfrog.authenticate(signed(otherBody), { secret }),
      401
    );
    await webhookRejection(
      jfrog.authenticate(signed(otherSecret), { secret }),
      401
    );
  });

  it('refuses a signature when no secret is configured', async () => {
    await webhookRejection(
      jfrog.authenticate(signed(hmacSha256Hex('', body)), {}),
      401
    );
  });
});

describe('jfrog parse', () => {
  it('reads a multi-arch tag push inside the envelope, with no registry', () => {
    // Prepare
    const input = fixtureDelivery('jfrog', 'pushed.json');
    // Act
    const parsed = jfrog.parse(input);
    // Assess
    expect(parsed).toEqual({
      kind: 'push',
      images: [
        {
          repository: 'team/my-api',
          tag: '1.4.0',
          digest: `sha256:${LIST_SHA}`,
        },
      ],
      deliveryId: bodyDigest(input.body),
      ignored: 0,
    });
  });

  it('reads a push whose fields are at the top level, as the documentation prints it', () => {
    const input = fixtureDelivery('jfrog', 'pushed-flat.json');
    expect(jfrog.parse(input)).toEqual({
      kind: 'push',
      images: [
        {
          repository: 'team/worker',
          tag: '0.9.1',
          digest: `sha256:${MANIFEST_SHA}`,
        },
      ],
      deliveryId: bodyDigest(input.body),
      ignored: 0,
    });
  });

  it('takes event_type from data when the envelope has none', () => {
    const body = changedPush((payload) => {
      delete payload.event_type;
    });
    expect(jfrog.parse(delivery(body))).toMatchObject({ kind: 'push' });
  });

  it.each([
    ['deleted.json', 'event deleted'],
    ['promoted.json', 'event promoted'],
  ])('ignores %s', (name, reason) => {
    const input = fixtureDelivery('jfrog', name);
    expect(jfrog.parse(input)).toEqual({
      kind: 'ignored',
      reason,
      deliveryId: bodyDigest(input.body),
    });
  });

  it('ignores events of other domains', () => {
    const body = changedPush((payload) => {
      payload.domain = 'artifact';
      payload.event_type = 'deployed';
    });
    expect(jfrog.parse(delivery(body))).toMatchObject({
      kind: 'ignored',
      reason: 'domain artifact',
    });
  });

  it('reads a push without sha256 as a tag-only image', () => {
    const body = changedPush((_, data) => {
      delete data.sha256;
    });
    const parsed = jfrog.parse(delivery(body));
    expect(parsed.kind === 'push' && parsed.images).toEqual([
      { repository: 'team/my-api', tag: '1.4.0' },
    ]);
  });

  it.each<[string, string | Json]>([
    ['a body that is not JSON', 'pushed'],
    ['a JSON number', '42'],
    ['a payload without event_type', '{"domain": "docker", "data": {}}'],
    ['data that is not an object', '{"event_type": "pushed", "data": []}'],
    [
      'a sha256 that is not 64 hex characters',
      changedPush((_, data) => {
        data.sha256 = 'sample_checksum';
      }),
    ],
    [
      'a push without image_name',
      changedPush((_, data) => {
        delete data.image_name;
      }),
    ],
    [
      'an image_name with a registry scheme',
      changedPush((_, data) => {
        data.image_name = 'https://acme.jfrog.io/team/my-api';
      }),
    ],
    [
      'a tag that is a number',
      changedPush((_, data) => {
        data.tag = 140;
      }),
    ],
  ])('refuses %s with 400', (_, body) => {
    const error = webhookError(() => jfrog.parse(delivery(body)), 400);
    expect(error.message).toMatch(/^jfrog delivery/);
  });
});

describeParseIsTotal(jfrog, FIXTURES);
