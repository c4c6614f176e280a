/**
 * Building blocks for webhook provider tests: deliveries made from the
 * committed payloads in test/fixtures/webhooks, the shared-secret checks
 * every header-authenticated provider must pass, and the property that
 * `parse` never fails with anything but a WebhookError 400.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../lib/engine/errors.js';
import type {
  ParsedDelivery,
  WebhookDelivery,
  WebhookProvider,
} from '../../lib/engine/webhooks/types.js';

const FIXTURES = fileURLToPath(
  new URL('../fixtures/webhooks/', import.meta.url)
);

/** The time every test delivery is received at. */
export const RECEIVED_AT = new Date('2025-01-17T17:00:00Z');

export interface DeliveryParts {
  readonly headers?: Record<string, string>;
  readonly query?: Record<string, string>;
}

/** A delivery of `body` (bytes, text, or a value sent as JSON). */
export function delivery(
  body: Uint8Array | string | object,
  parts: DeliveryParts = {}
): WebhookDelivery {
  return {
    headers: parts.headers ?? {},
    query: parts.query ?? {},
    body: toBytes(body),
    receivedAt: RECEIVED_AT,
  };
}

/** The raw bytes of `test/fixtures/webhooks/<provider>/<name>`. */
export function fixtureBytes(provider: string, name: string): Uint8Array {
  return new Uint8Array(readFileSync(`${FIXTURES}${provider}/${name}`));
}

/** A fixture parsed, for tests that change one field of it. */
export function fixtureJson(
  provider: string,
  name: string
): Record<string, unknown> {
  return JSON.parse(
    Buffer.from(fixtureBytes(provider, name)).toString('utf8')
  ) as Record<string, unknown>;
}

/** A delivery of a fixture's exact bytes. */
export function fixtureDelivery(
  provider: string,
  name: string,
  parts: DeliveryParts = {}
): WebhookDelivery {
  return delivery(fixtureBytes(provider, name), parts);
}

/** What `action` threw, asserted to be a WebhookError with `status`. */
export function webhookError(action: () => unknown, status: number): Error {
  let thrown: unknown;
  try {
    action();
  } catch (error) {
    thrown = error;
  }
  expect(thrown).toBeInstanceOf(WebhookError);
  expect((thrown as WebhookError).status).toBe(status);
  return thrown as WebhookError;
}

/** What `promise` rejected with, asserted to be a WebhookError with `status`. */
export async function webhookRejection(
  promise: Promise<unknown>,
  status: number
): Promise<WebhookError> {
  const thrown = await promise.then(
    () => undefined,
    (error: unknown) => error
  );
  expect(thrown).toBeInstanceOf(WebhookError);
  expect((thrown as WebhookError).status).toBe(status);
  return thrown as WebhookError;
}

export interface SharedSecretCase {
  readonly provider: WebhookProvider;
  /** The header the secret travels in, as the registry sends it. */
  readonly header: string;
  /** A body `parse` accepts, so authentication is tested on a real delivery. */
  readonly body: Uint8Array;
}

const SECRET = 'correct-horse-battery-staple';

/**
 * The shared-secret checks: the secret in `header` (bare or as a bearer
 * token) or in `?token=` is accepted; a wrong, missing, longer or shorter
 * secret, or none configured, is refused with a WebhookError 401 whose
 * message never repeats either secret.
 */
export function describeSharedSecret({
  provider,
  header,
  body,
}: SharedSecretCase): void {
  const withHeader = (value: string) =>
    delivery(body, { headers: { [header.toLowerCase()]: value } });

  describe(`${provider.name} authentication`, () => {
    it('accepts the secret in the header, bare or as a bearer token', async () => {
      await expect(
        provider.authenticate(withHeader(SECRET), { secret: SECRET })
      ).resolves.toBeUndefined();
      await expect(
        provider.authenticate(withHeader(`Bearer ${SECRET}`), {
          secret: SECRET,
        })
      ).resolves.toBeUndefined();
    });

    it('accepts the secret as ?token= without a header', async () => {
      const tokenOnly = delivery(body, { query: { token: SECRET } });
      await expect(
        provider.authenticate(tokenOnly, { secret: SECRET })
      ).resolves.toBeUndefined();
    });

    it.each([
      ['a wrong secret', 'wrong-horse-battery-staple'],
      ['a longer secret', `${SECRET}x`],
      ['a shorter secret', SECRET.slice(0, -1)],
      ['an empty header', ''],
    ])('refuses %s with 401', async (_, value) => {
      // Act
      const error = await webhookRejection(
        provider.authenticate(withHeader(value), { secret: SECRET }),
        401
      );
      // Assess
      expect(error.message).toContain(header);
      expect(error.message).not.toContain(SECRET);
      if (value) expect(error.message).not.toContain(value);
    });

    it('refuses a delivery without the header with 401', async () => {
      const error = await webhookRejection(
        provider.authenticate(delivery(body), { secret: SECRET }),
        401
      );
      expect(error.message).toMatch(/without credentials/);
    });

    it('refuses a wrong ?token= when the header is missing', async () => {
      const wrongToken = delivery(body, { query: { token: `${SECRET}!` } });
      await webhookRejection(
        provider.authenticate(wrongToken, { secret: SECRET }),
        401
      );
    });

    it('refuses everything when no secret is configured', async () => {
      const error = await webhookRejection(
        provider.authenticate(withHeader(SECRET), {}),
        401
      );
      expect(error.message).toMatch(/no secret configured/);
    });
  });
}

/**
 * The property every provider's `parse` holds: for any JSON value, any
 * bytes, and any fixture with one part replaced by any JSON value, it
 * returns a ParsedDelivery or throws a WebhookError 400, nothing else.
 */
export function describeParseIsTotal(
  provider: WebhookProvider,
  fixtures: readonly string[]
): void {
  describe(`${provider.name} parse on arbitrary input`, () => {
    it('returns a delivery or throws WebhookError 400 for any JSON or bytes', () => {
      const bodies = fc.oneof(
        fc.jsonValue().map((value) => JSON.stringify(value)),
        fc.uint8Array({ maxLength: 512 })
      );
      fc.assert(
        fc.property(bodies, (body) => {
          expectParsedOr400(provider, delivery(body));
        }),
        { numRuns: 500 }
      );
    });

    it('returns a delivery or throws WebhookError 400 for mutated fixtures', () => {
      const mutated = fc
        .constantFrom(...fixtures)
        .chain((name) => mutation(fixtureJson(provider.name, name)));
      fc.assert(
        fc.property(mutated, (value) => {
          expectParsedOr400(provider, delivery(JSON.stringify(value)));
        }),
        { numRuns: 1000 }
      );
    });
  });
}

function expectParsedOr400(
  provider: WebhookProvider,
  input: WebhookDelivery
): void {
  let parsed: ParsedDelivery;
  try {
    parsed = provider.parse(input);
  } catch (error) {
    expect(error).toBeInstanceOf(WebhookError);
    expect((error as WebhookError).status).toBe(400);
    return;
  }
  expect(['push', 'ping', 'ignored']).toContain(parsed.kind);
  if (parsed.kind === 'push') expect(parsed.images.length).toBeGreaterThan(0);
}

/** `value` with the node at one of its paths replaced by any JSON value. */
function mutation(value: unknown): fc.Arbitrary<unknown> {
  const paths = pathsOf(value, []);
  return fc
    .tuple(fc.constantFrom(...paths), fc.jsonValue())
    .map(([path, replacement]) => replaceAt(value, path, replacement));
}

type Path = readonly (string | number)[];

function pathsOf(value: unknown, at: Path): Path[] {
  const paths: Path[] = [at];
  if (Array.isArray(value)) {
    value.forEach((item, index) => {
      paths.push(...pathsOf(item, [...at, index]));
    });
  } else if (typeof value === 'object' && value !== null) {
    for (const [key, item] of Object.entries(value)) {
      paths.push(...pathsOf(item, [...at, key]));
    }
  }
  return paths;
}

function replaceAt(value: unknown, path: Path, replacement: unknown): unknown {
  const [head, ...rest] = path;
  if (head === undefined) return replacement;
  if (Array.isArray(value)) {
    return value.map((item, index) =>
      index === head ? replaceAt(item, rest, replacement) : item
    );
  }
  const object = value as Record<string, unknown>;
  return {
    ...object,
    [head]: replaceAt(object[head as string], rest, replacement),
  };
}

function toBytes(body: Uint8Array | string | object): Uint8Array {
  if (body instanceof Uint8Array) return body;
  const text = typeof body === 'string' ? body : JSON.stringify(body);
  return new TextEncoder().encode(text);
}
