import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  findChallenge,
  parseChallenges,
} from '../../../../lib/adapters/registry/challenge.js';

describe('parseChallenges', () => {
  it.each([
    [
      'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:samalba/my-app:pull,push"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'https://auth.docker.io/token',
            service: 'registry.docker.io',
            scope: 'repository:samalba/my-app:pull,push',
          },
        },
      ],
    ],
    [
      'Basic realm="Registry Realm"',
      [{ scheme: 'basic', params: { realm: 'Registry Realm' } }],
    ],
    ['basic', [{ scheme: 'basic', params: {} }]],
    [
      'Basic realm="a", Bearer realm="https://t/token", service=reg',
      [
        { scheme: 'basic', params: { realm: 'a' } },
        {
          scheme: 'bearer',
          params: { realm: 'https://t/token', service: 'reg' },
        },
      ],
    ],
    [
      'Bearer realm="x",error="insufficient_scope",scope="repository:a/b:pull"',
      [
        {
          scheme: 'bearer',
          params: {
            realm: 'x',
            error: 'insufficient_scope',
            scope: 'repository:a/b:pull',
          },
        },
      ],
    ],
    [
      'Bearer REALM = "x" ,  Service="s"',
      [{ scheme: 'bearer', params: { realm: 'x', service: 's' } }],
    ],
    [
      'Bearer realm="a \\"quoted\\" realm"',
      [{ scheme: 'bearer', params: { realm: 'a "quoted" realm' } }],
    ],
    [
      'Bearer realm=https://unquoted/token',
      [{ scheme: 'bearer', params: { realm: 'https://unquoted/token' } }],
    ],
    [
      'Bearer realm="unterminated',
      [{ scheme: 'bearer', params: { realm: 'unterminated' } }],
    ],
    [
      'Bearer realm="first", realm="second"',
      [{ scheme: 'bearer', params: { realm: 'first' } }],
    ],
    ['', []],
    ['   ,,  ', []],
    ['realm="orphan"', []],
  ])('parses %j', (header, expected) => {
    // Act
    const parsed = parseChallenges(header);

    // Assess
    expect(
      parsed.map((c) => ({ scheme: c.scheme, params: { ...c.params } }))
    ).toEqual(expected);
  });

  it('reads every value of a repeated header', () => {
    // Act
    const parsed = parseChallenges(['Basic realm="r"', 'Bearer realm="t"']);

    // Assess
    expect(parsed.map((c) => c.scheme)).toEqual(['basic', 'bearer']);
    expect(findChallenge(parsed, 'bearer')?.params.realm).toBe('t');
  });

  it('treats __proto__ as an ordinary parameter name', () => {
    // Act
    const [challenge] = parseChallenges('Bearer __proto__="x", realm="r"');

    // Assess
    expect(challenge?.params.realm).toBe('r');
    expect(Object.getPrototypeOf({})).toBe(Object.prototype);
  });

  it('never throws and always yields lower-case schemes, for any input', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'binary', maxLength: 200 }), (header) => {
        const parsed = parseChallenges(header);
        for (const challenge of parsed) {
          expect(challenge.scheme).toBe(challenge.scheme.toLowerCase());
          expect(challenge.scheme).not.toBe('');
        }
      })
    );
  });

  it('round-trips generated challenges', () => {
    const token = fc.stringMatching(/^[A-Za-z][A-Za-z0-9_-]{0,10}$/);
    const value = fc
      .string({ maxLength: 30 })
      .filter((v) => [...v].every((c) => c.charCodeAt(0) >= 0x20));
    fc.assert(
      fc.property(
        token,
        fc.dictionary(token, value, { maxKeys: 4 }),
        (scheme, params) => {
          // Prepare
          const lower = Object.fromEntries(
            Object.entries(params)
              .reverse()
              .map(([k, v]) => [k.toLowerCase(), v])
          );
          const header = `${scheme} ${Object.entries(lower)
            .map(([k, v]) => `${k}="${v.replace(/["\\]/g, '\\$&')}"`)
            .join(', ')}`;

          // Act
          const [challenge, ...rest] = parseChallenges(header);

          // Assess
          expect(rest).toEqual([]);
          expect(challenge?.scheme).toBe(scheme.toLowerCase());
          expect({ ...challenge?.params }).toEqual(lower);
        }
      )
    );
  });
});
