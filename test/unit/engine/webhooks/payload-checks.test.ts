import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { WebhookError } from '../../../../lib/engine/errors.js';
import {
  checkImage,
  clip,
  eventTime,
  isManifestType,
  label,
  latest,
  unixTime,
  urlHost,
} from '../../../../lib/engine/webhooks/providers/payload-checks.js';
import { webhookError } from '../../../support/provider-deliveries.js';

const DIGEST = `sha256:${'ab'.repeat(32)}`;

describe('checkImage', () => {
  it('keeps what is valid, lower-cases the host and drops empty parts', () => {
    expect(
      checkImage('p', {
        registry: 'Registry.Example.com:5000',
        repository: 'team/my-api',
        tag: '',
        digest: DIGEST,
        mediaType: 'application/vnd.oci.image.index.v1+json',
      })
    ).toEqual({
      registry: 'registry.example.com:5000',
      repository: 'team/my-api',
      digest: DIGEST,
      mediaType: 'application/vnd.oci.image.index.v1+json',
    });
  });

  it.each([
    ['[::1]:5000', 'a', 'v1'],
    ['localhost', 'a/b/c', 'A_tag.1-x'],
    ['registry', 'x__y', 'x'.repeat(128)],
  ])('accepts host %s, repository %s, tag %s', (registry, repository, tag) => {
    expect(checkImage('p', { registry, repository, tag })).toEqual({
      registry: registry.toLowerCase(),
      repository,
      tag,
    });
  });

  it.each([
    [{ repository: 'a' }, /neither a tag nor a digest/],
    [{ repository: 'a', tag: '', digest: '' }, /neither a tag nor a digest/],
    [{ repository: '', tag: 'v1' }, /repository ""/],
    [{ repository: 'a//b', tag: 'v1' }, /repository "a\/\/b"/],
    [{ repository: 'a@sha256', tag: 'v1' }, /repository/],
    [{ repository: 'a', tag: '.v1' }, /tag ".v1"/],
    [{ repository: 'a', tag: 'x'.repeat(129) }, /tag "x+\.\.\."/],
    [{ repository: 'a', digest: 'sha256:AB' }, /digest "sha256:AB"/],
    [{ repository: 'a', tag: 'v', registry: 'a b' }, /registry host "a b"/],
    [{ repository: 'a', tag: 'v', registry: 'h:123456' }, /registry host/],
  ])('refuses %j', (fields, message) => {
    const error = webhookError(() => checkImage('p', fields), 400);
    expect(error.message).toMatch(/^p delivery names /);
    expect(error.message).toMatch(message);
  });

  it('returns an image or throws WebhookError 400 for any strings', () => {
    const part = fc.option(fc.string({ maxLength: 40 }), { nil: undefined });
    fc.assert(
      fc.property(
        part,
        fc.string({ maxLength: 40 }),
        part,
        part,
        (registry, repository, tag, digest) => {
          try {
            const image = checkImage('p', {
              registry,
              repository,
              tag,
              digest,
            });
            expect(image.repository).toBe(repository);
            expect(image.tag ?? image.digest).toBeTruthy();
          } catch (error) {
            expect(error).toBeInstanceOf(WebhookError);
            expect((error as WebhookError).status).toBe(400);
          }
        }
      ),
      { numRuns: 1000 }
    );
  });
});

describe('times', () => {
  it.each([
    ['2025-01-09T14:44:26.402973972-08:00', '2025-01-09T22:44:26.402Z'],
    ['2023-04-03T06:04:46Z', '2023-04-03T06:04:46.000Z'],
    ['2023-04-03 06:04:46+02:00', '2023-04-03T04:04:46.000Z'],
  ])('reads %s', (text, iso) => {
    expect(eventTime(text, 'p', 'time').toISOString()).toBe(iso);
  });

  it.each([
    '1',
    '2023-04-03',
    'Mon, 03 Apr 2023 06:04:46 GMT',
    '2023-13-45T99:99:99Z',
  ])('refuses %s', (text) => {
    const error = webhookError(() => eventTime(text, 'p', 'time'), 400);
    expect(error.message).toContain(JSON.stringify(text));
  });

  it('reads unix seconds and refuses negative or unrepresentable ones', () => {
    expect(unixTime(1680501893, 'p', 'occur_at').toISOString()).toBe(
      '2023-04-03T06:04:53.000Z'
    );
    webhookError(() => unixTime(-1, 'p', 'occur_at'), 400);
    webhookError(() => unixTime(1e16, 'p', 'occur_at'), 400);
    webhookError(() => unixTime(Number.NaN, 'p', 'occur_at'), 400);
  });

  it('finds the latest date', () => {
    expect(latest([])).toBeUndefined();
    expect(latest([new Date(1), new Date(3), new Date(2)])).toEqual(
      new Date(3)
    );
  });
});

describe('isManifestType', () => {
  it.each([
    ['application/vnd.oci.image.index.v1+json', true],
    ['application/vnd.oci.image.manifest.v1+json', true],
    ['application/vnd.docker.distribution.manifest.list.v2+json', true],
    ['Application/VND.Docker.Distribution.Manifest.v2+JSON; q=1', true],
    ['application/vnd.oci.image.layer.v1.tar+gzip', false],
    ['application/vnd.docker.distribution.manifest.v1+prettyjws', false],
    ['', false],
    [undefined, false],
  ])('%s → %s', (mediaType, expected) => {
    expect(isManifestType(mediaType)).toBe(expected);
  });
});

describe('urlHost and clip', () => {
  it('reads the host of a URL, lower case, default port dropped', () => {
    expect(urlHost('HTTPS://Registry.Example.com:443/v2/', 'p')).toBe(
      'registry.example.com'
    );
    expect(urlHost('http://127.0.0.1:5000/v2/', 'p')).toBe('127.0.0.1:5000');
    webhookError(() => urlHost('/v2/a/manifests/1', 'p'), 400);
  });

  it('cuts long values to 80 characters', () => {
    expect(clip('short')).toBe('short');
    expect(clip('y'.repeat(100))).toBe(`${'y'.repeat(77)}...`);
  });

  it('never echoes credentials', () => {
    expect(clip('user:pass@ghcr.io')).toBe('…@ghcr.io');
    expect(clip('https://user:pass@ghcr.io/v2/x')).toBe(
      'https://…@ghcr.io/v2/x'
    );
    expect(label('user:s3cret@ghcr.io/x')).not.toContain('s3cret');
  });
});
