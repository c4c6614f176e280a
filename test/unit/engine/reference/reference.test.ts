import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ConfigError } from '../../../../lib/engine/errors.js';
import {
  formatReference,
  parseReference,
  parseRegistryReference,
} from '../../../../lib/engine/reference/reference.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('parseRegistryReference', () => {
  it.each([
    ['alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    ['alpine:3.20', 'docker.io', 'library/alpine', '3.20', undefined],
    ['bitnami/redis', 'docker.io', 'bitnami/redis', 'latest', undefined],
    ['docker.io/alpine', 'docker.io', 'library/alpine', 'latest', undefined],
    [
      'index.docker.io/library/alpine:1',
      'docker.io',
      'library/alpine',
      '1',
      undefined,
    ],
    ['ghcr.io/org/app:1.4.0', 'ghcr.io', 'org/app', '1.4.0', undefined],
    ['localhost/app', 'localhost', 'app', 'latest', undefined],
    [
      '127.0.0.1:5000/team/my-api:1.4.0',
      '127.0.0.1:5000',
      'team/my-api',
      '1.4.0',
      undefined,
    ],
    [`quay.io/o/r@${DIGEST}`, 'quay.io', 'o/r', undefined, DIGEST],
    [`quay.io/o/r:t@${DIGEST}`, 'quay.io', 'o/r', 't', DIGEST],
    ['docker://ghcr.io/o/r:2', 'ghcr.io', 'o/r', '2', undefined],
    [
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com/team/app:1',
      '123456789012.dkr.ecr.eu-west-1.amazonaws.com',
      'team/app',
      '1',
      undefined,
    ],
  ])('%s', (input, registry, repository, tag, digest) => {
    // Act
    const ref = parseRegistryReference(input);
    // Assess
    expect(ref).toMatchObject({ kind: 'registry', registry, repository });
    expect(ref.tag).toBe(tag);
    expect(ref.digest).toBe(digest);
  });

  it.each([
    ['', /empty/],
    ['UPPER/case', /lowercase/],
    ['app:bad tag', /tag/],
    ['app@sha256:123', /digest/],
    ['app@md5:abc', /digest/],
    [`ghcr.io/${'a'.repeat(300)}`, /255/],
  ])('refuses %j', (input, why) => {
    expect(() => parseRegistryReference(input)).toThrow(ConfigError);
    expect(() => parseRegistryReference(input)).toThrow(why);
  });

  it('never throws anything but ConfigError, and round-trips what it accepts', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 120 }), (text) => {
        try {
          const ref = parseRegistryReference(text);
          expect(parseRegistryReference(formatReference(ref))).toEqual(ref);
        } catch (error) {
          expect(error).toBeInstanceOf(ConfigError);
        }
      }),
      { numRuns: 2000 }
    );
  });
});

describe('parseReference transports', () => {
  it.each([
    ['oci:./build/layout', { kind: 'oci', path: './build/layout' }],
    ['oci:/tmp/x:1.0', { kind: 'oci', path: '/tmp/x', tag: '1.0' }],
    ['oci-archive:image.tar', { kind: 'oci-archive', path: 'image.tar' }],
    [
      'docker-archive:/tmp/save.tar:app:1',
      { kind: 'docker-archive', path: '/tmp/save.tar', tag: 'app:1' },
    ],
  ])('%s', (input, expected) => {
    expect(parseReference(input)).toEqual(expected);
  });

  it('refuses a transport without a path', () => {
    expect(() => parseReference('oci:')).toThrow(/needs a path/);
  });
});
