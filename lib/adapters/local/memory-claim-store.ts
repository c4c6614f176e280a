/**
 * `ClaimStore` in process memory, with the semantics of
 * `DynamoClaimStore`: a claim is alive until its expiry instant has
 * passed, a failed claim does not extend it, and release frees the key at
 * once. For tests and single-process runs.
 */

import type { ClaimStore } from '../../ports/claims.js';
import { type Clock, systemClock } from '../../ports/clock.js';

/**
 * Claims in memory.
 *
 * @example
 * const claims = new MemoryClaimStore(clock);
 * await claims.claim('delivery:ghcr:1234', 3600); // true
 * await claims.claim('delivery:ghcr:1234', 3600); // false
 */
export class MemoryClaimStore implements ClaimStore {
  /** Key to expiry instant (epoch milliseconds). */
  private readonly claims = new Map<string, number>();

  constructor(private readonly clock: Clock = systemClock) {}

  async claim(key: string, ttlSeconds: number): Promise<boolean> {
    const now = this.clock.now().getTime();
    const expiresAt = this.claims.get(key);
    if (expiresAt !== undefined && expiresAt >= now) return false;
    this.sweep(now);
    this.claims.set(key, now + Math.max(0, ttlSeconds) * 1000);
    return true;
  }

  async release(key: string): Promise<void> {
    this.claims.delete(key);
  }

  /** Keys currently claimed, for tests and diagnostics. */
  active(): string[] {
    const now = this.clock.now().getTime();
    return [...this.claims]
      .filter(([, expiresAt]) => expiresAt >= now)
      .map(([key]) => key);
  }

  /** Forgets expired claims, so a long-running process does not grow. */
  private sweep(now: number): void {
    for (const [key, expiresAt] of this.claims) {
      if (expiresAt < now) this.claims.delete(key);
    }
  }
}
