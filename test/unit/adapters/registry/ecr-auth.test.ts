import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  EcrAuth,
  type EcrAuthorizationToken,
  isEcrHost,
} from '../../../../lib/adapters/registry/ecr-auth.js';
import { RegistryError } from '../../../../lib/engine/errors.js';

const HOST = '123456789012.dkr.ecr.eu-west-1.amazonaws.com';
const HOUR = 3_600_000;

describe('isEcrHost', () => {
  it.each([
    [HOST, true],
    ['123456789012.dkr.ecr.cn-north-1.amazonaws.com.cn', true],
    ['123456789012.dkr.ecr-fips.us-east-1.amazonaws.com', true],
    [`${HOST}:443`, true],
    ['123456789012.DKR.ECR.eu-west-1.amazonaws.com', true],
    ['12345.dkr.ecr.eu-west-1.amazonaws.com', false],
    ['public.ecr.aws', false],
    [`${HOST}.evil.example`, false],
    [`evil.example/${HOST}`, false],
    ['ghcr.io', false],
  ])('%s → %s', (host, expected) => {
    expect(isEcrHost(host)).toBe(expected);
  });
});

describe('EcrAuth', () => {
  let calls: number;
  let auth: EcrAuth;

  beforeEach(() => {
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2026-03-01T00:00:00Z'));
    calls = 0;
    auth = new EcrAuth({
      getAuthorizationToken: async (): Promise<EcrAuthorizationToken> => {
        calls++;
        return {
          token: Buffer.from(`AWS:password-${calls}`).toString('base64'),
          expiresAt: new Date(Date.now() + 12 * HOUR),
          proxyEndpoint: `https://${HOST}`,
        };
      },
    });
  });

  afterEach(() => {
    vi.useRealTimers();
  });

  it('returns the token as a Basic header for ECR hosts only', async () => {
    // Act
    const credentials = await auth.credentialsFor(HOST);
    const other = await auth.credentialsFor('ghcr.io');

    // Assess
    expect(credentials).toMatchObject({
      kind: 'header',
      value: `Basic ${Buffer.from('AWS:password-1').toString('base64')}`,
    });
    expect(other).toBeUndefined();
    expect(calls).toBe(1);
  });

  it('reuses the token until five minutes before expiry, then renews it', async () => {
    // Prepare
    await auth.credentialsFor(HOST);

    // Act
    vi.advanceTimersByTime(12 * HOUR - 5 * 60_000 - 1000);
    const stillCached = await auth.credentialsFor(
      '999999999999.dkr.ecr.us-east-1.amazonaws.com'
    );
    vi.advanceTimersByTime(2000);
    const renewed = await auth.credentialsFor(HOST);

    // Assess
    expect(stillCached).toMatchObject({
      value: `Basic ${Buffer.from('AWS:password-1').toString('base64')}`,
    });
    expect(renewed).toMatchObject({
      value: `Basic ${Buffer.from('AWS:password-2').toString('base64')}`,
    });
    expect(calls).toBe(2);
  });

  it('shares one token request between concurrent callers', async () => {
    // Act
    await Promise.all([
      auth.credentialsFor(HOST),
      auth.credentialsFor(HOST),
      auth.credentialsFor(HOST),
    ]);

    // Assess
    expect(calls).toBe(1);
  });

  it('turns an SDK failure into an auth RegistryError and retries next time', async () => {
    // Prepare
    let fail = true;
    const flaky = new EcrAuth({
      getAuthorizationToken: async () => {
        if (fail) throw new Error('AccessDeniedException: secret-arn');
        return {
          token: 'dG9r',
          expiresAt: new Date(Date.now() + HOUR),
          proxyEndpoint: '',
        };
      },
    });

    // Act
    const error = await flaky.credentialsFor(HOST).catch((e: unknown) => e);
    fail = false;
    const credentials = await flaky.credentialsFor(HOST);

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect((error as RegistryError).code).toBe('auth');
    expect((error as RegistryError).message).not.toContain('secret-arn');
    expect(credentials).toMatchObject({ value: 'Basic dG9r' });
  });
});
