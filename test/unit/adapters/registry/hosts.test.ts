import { describe, expect, it } from 'vitest';
import { createRegistry } from '../../../../lib/adapters/registry/create-registry.js';
import {
  isDockerHub,
  isLoopbackHost,
  normalizeRegistryKey,
  splitHostPort,
} from '../../../../lib/adapters/registry/hosts.js';
import { HttpRegistry } from '../../../../lib/adapters/registry/http-registry.js';
import {
  ChainAuth,
  StaticAuth,
} from '../../../../lib/adapters/registry/static-auth.js';
import { ConfigError } from '../../../../lib/engine/errors.js';

describe('isLoopbackHost', () => {
  it.each([
    ['127.0.0.1', true],
    ['127.0.0.1:5000', true],
    ['127.1.2.3:80', true],
    ['localhost', true],
    ['LOCALHOST:5000', true],
    ['[::1]:5000', true],
    ['::1', true],
    ['128.0.0.1', false],
    ['127.0.0.1.nip.io', false],
    ['10.0.0.1:5000', false],
    ['ghcr.io', false],
    ['localhost.example.com', false],
  ])('%s → %s', (host, expected) => {
    expect(isLoopbackHost(host)).toBe(expected);
  });
});

describe('host names', () => {
  it.each([
    ['https://index.docker.io/v1/', 'index.docker.io'],
    ['http://Registry.Example:5000/path', 'registry.example:5000'],
    ['ghcr.io', 'ghcr.io'],
  ])('normalizes %s to %s', (key, expected) => {
    expect(normalizeRegistryKey(key)).toBe(expected);
  });

  it('splits bracketed IPv6 and host:port', () => {
    expect(splitHostPort('[::1]:5000')).toEqual({ host: '::1', port: '5000' });
    expect(splitHostPort('example:80')).toEqual({
      host: 'example',
      port: '80',
    });
    expect(splitHostPort('example')).toEqual({
      host: 'example',
      port: undefined,
    });
  });

  it('recognises Docker Hub aliases', () => {
    expect(isDockerHub('docker.io')).toBe(true);
    expect(isDockerHub('https://index.docker.io/v1/')).toBe(true);
    expect(isDockerHub('ghcr.io')).toBe(false);
  });
});

describe('createRegistry', () => {
  it('maps docker.io to the Hub API host', () => {
    expect(createRegistry('docker.io').name).toBe('registry-1.docker.io');
    expect(createRegistry('127.0.0.1:5000').name).toBe('127.0.0.1:5000');
  });

  it.each(['https://ghcr.io', 'ghcr.io/path', '', 'a b'])(
    'refuses the host %j',
    (host) => {
      expect(() => new HttpRegistry({ registry: host })).toThrow(ConfigError);
    }
  );

  it('refuses repository names and references outside the grammar', async () => {
    // Prepare
    const registry = new HttpRegistry({ registry: '127.0.0.1:1' });

    // Act / Assess
    await expect(registry.getManifest('../etc', 'v1')).rejects.toBeInstanceOf(
      ConfigError
    );
    await expect(
      registry.getManifest('team/app', 'v1/../x')
    ).rejects.toBeInstanceOf(ConfigError);
  });
});

describe('StaticAuth and ChainAuth', () => {
  const basic = { kind: 'basic', username: 'u', password: 'p' } as const;

  it('matches hosts and Docker Hub aliases', async () => {
    // Prepare
    const auth = new StaticAuth({
      'https://index.docker.io/v1/': basic,
      'ghcr.io': { kind: 'identity-token', token: 't' },
    });

    // Act / Assess
    expect(await auth.credentialsFor('registry-1.docker.io')).toBe(basic);
    expect(await auth.credentialsFor('GHCR.io')).toEqual({
      kind: 'identity-token',
      token: 't',
    });
    expect(await auth.credentialsFor('quay.io')).toBeUndefined();
  });

  it('returns the first source that has credentials', async () => {
    // Prepare
    const chain = new ChainAuth([
      new StaticAuth({ 'a.example': basic }),
      new StaticAuth({ 'b.example': { kind: 'header', value: 'Basic x' } }),
    ]);

    // Act / Assess
    expect(await chain.credentialsFor('a.example')).toBe(basic);
    expect(await chain.credentialsFor('b.example')).toEqual({
      kind: 'header',
      value: 'Basic x',
    });
    expect(await chain.credentialsFor('c.example')).toBeUndefined();
  });
});
