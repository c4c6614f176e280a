import type { JWTVerifyGetKey } from 'jose';
import { describe, expect, it } from 'vitest';
import { providerSettings } from '../../../lambdas/webhook-receiver/secret.js';
import { ScannerError } from '../../../lib/engine/errors.js';

const keys: JWTVerifyGetKey = async () => {
  throw new Error('not used');
};

describe('providerSettings', () => {
  it('gives every enabled provider the generated token unless it has its own', () => {
    // Act
    const settings = providerSettings(
      JSON.stringify({ token: 'generated', ghcr: 'hmac-key' }),
      ['dockerhub', 'ghcr']
    );
    // Assess
    expect(settings).toEqual({
      dockerhub: { secret: 'generated' },
      ghcr: { secret: 'hmac-key' },
    });
  });

  it('reads a pinned registry and OIDC settings from an object', () => {
    // Act
    const settings = providerSettings(
      JSON.stringify({
        token: 'generated',
        jfrog: { secret: 'jfrog-secret', registry: 'acme.jfrog.io' },
        gar: {
          audience: 'https://api.example.com/webhooks/gar',
          email: 'push@proj.iam.gserviceaccount.com',
        },
      }),
      ['jfrog', 'gar'],
      keys
    );
    // Assess
    expect(settings).toEqual({
      jfrog: { secret: 'jfrog-secret', registry: 'acme.jfrog.io' },
      gar: {
        secret: 'generated',
        oidc: {
          audience: 'https://api.example.com/webhooks/gar',
          email: 'push@proj.iam.gserviceaccount.com',
          keys,
        },
      },
    });
  });

  it('leaves out providers that are not enabled, and keys that are no provider', () => {
    const settings = providerSettings(
      JSON.stringify({ token: 't', harbor: 'h', notes: 'rotate in May' }),
      ['quay']
    );
    expect(settings).toEqual({ quay: { secret: 't' } });
  });

  it('gives an enabled provider without any secret empty settings, so it answers 401', () => {
    expect(providerSettings('{}', ['acr'])).toEqual({ acr: {} });
  });

  it.each([
    ['not JSON', 'hunter2', /not a JSON object/],
    ['an array', '["hunter2"]', /not a JSON object/],
    ['a number token', '{"token": 42}', /key token must be a non-empty string/],
    ['an empty secret', '{"ghcr": ""}', /key ghcr must be/],
    [
      'an unknown field',
      '{"ghcr": {"secret": "hunter2", "sekret": "x"}}',
      /key ghcr must be/,
    ],
    [
      'an audience without keys',
      '{"ghcr": {"audience": "https://a.example", "email": "p@example.com"}}',
      /ghcr has no OIDC keys/,
    ],
    [
      'an audience without the service account e-mail',
      '{"ghcr": {"audience": "https://a.example"}}',
      /sets an audience without the email/,
    ],
  ])('refuses %s without echoing the value', (_, text, message) => {
    // Act
    const act = () => providerSettings(text, ['ghcr']);
    // Assess
    expect(act).toThrow(message);
    expect(act).toThrow(ScannerError);
    try {
      act();
    } catch (error) {
      expect((error as ScannerError).code).toBe('config');
      expect((error as Error).message).not.toContain('hunter2');
    }
  });
});
