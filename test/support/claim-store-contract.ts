/**
 * The contract every `ClaimStore` keeps, as one shared suite: the first
 * claim of a key wins until its window ends, later claims neither win nor
 * extend the window, release frees the key, keys are independent, and of
 * many concurrent claims of one key exactly one wins. Run it from a test
 * file with a factory that makes an empty store reading the given clock.
 */
import { beforeEach, describe, expect, it } from 'vitest';
import type { ClaimStore } from '../../lib/ports/claims.js';
import { TestClock } from './fakes/test-clock.js';

/** Makes an empty store that reads `clock`. */
export type ClaimStoreFactory = (clock: TestClock) => Promise<ClaimStore>;

/** Registers the contract suite for the store `factory` makes. */
export function claimStoreContract(
  name: string,
  factory: ClaimStoreFactory
): void {
  describe(`${name} keeps the ClaimStore contract`, () => {
    let clock: TestClock;
    let claims: ClaimStore;

    beforeEach(async () => {
      clock = new TestClock('2026-11-25T12:00:00.000Z');
      claims = await factory(clock);
    });

    it('grants the first claim of a key and refuses the next', async () => {
      // Act
      const first = await claims.claim('delivery:ghcr:1', 60);
      const second = await claims.claim('delivery:ghcr:1', 60);
      // Assess
      expect([first, second]).toEqual([true, false]);
    });

    it('keeps keys independent', async () => {
      // Prepare
      await claims.claim('image:a', 60);
      // Act
      const other = await claims.claim('image:b', 60);
      // Assess
      expect(other).toBe(true);
    });

    it('holds a claim for its whole window and frees it after', async () => {
      // Prepare
      await claims.claim('image:a', 10);
      // Act
      clock.advance(10);
      const atEnd = await claims.claim('image:a', 10);
      clock.advance(1);
      const after = await claims.claim('image:a', 10);
      // Assess
      expect(atEnd).toBe(false);
      expect(after).toBe(true);
    });

    it('does not extend a window when a later claim fails', async () => {
      // Prepare
      await claims.claim('image:a', 10);
      clock.advance(8);
      await claims.claim('image:a', 10);
      // Act
      clock.advance(3);
      const again = await claims.claim('image:a', 10);
      // Assess: 11 s after the first claim, whatever happened at 8 s
      expect(again).toBe(true);
    });

    it('starts a new window from the claim that wins after expiry', async () => {
      // Prepare
      await claims.claim('image:a', 10);
      clock.advance(11);
      await claims.claim('image:a', 10);
      // Act
      clock.advance(5);
      const during = await claims.claim('image:a', 10);
      // Assess
      expect(during).toBe(false);
    });

    it('frees a key at once on release', async () => {
      // Prepare
      await claims.claim('image:a', 3600);
      // Act
      await claims.release('image:a');
      const again = await claims.claim('image:a', 3600);
      // Assess
      expect(again).toBe(true);
    });

    it('releases a key nobody holds without failing', async () => {
      // Act
      await claims.release('image:never-claimed');
      // Assess
      expect(await claims.claim('image:never-claimed', 1)).toBe(true);
    });

    it('grants exactly one of 20 concurrent claims of one key', async () => {
      // Act
      const results = await Promise.all(
        Array.from({ length: 20 }, () => claims.claim('image:storm', 10))
      );
      // Assess
      expect(results.filter(Boolean)).toHaveLength(1);
    });

    it('keeps keys with any characters apart', async () => {
      // Prepare
      const keys = [
        'image:registry.example.com:5000/team/app@tag:1.4.0',
        'image:registry.example.com:5000/team/app@tag:1.4',
        'delivery:harbor:ümlaut and spaces',
        `delivery:quay:${'x'.repeat(3000)}`,
        `delivery:quay:${'x'.repeat(3000)}y`,
      ];
      // Act
      const first = await Promise.all(keys.map((k) => claims.claim(k, 60)));
      const second = await Promise.all(keys.map((k) => claims.claim(k, 60)));
      // Assess
      expect(first).toEqual(keys.map(() => true));
      expect(second).toEqual(keys.map(() => false));
    });
  });
}
