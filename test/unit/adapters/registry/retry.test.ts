import { describe, expect, it, vi } from 'vitest';
import {
  backoffDelay,
  DEFAULT_RETRY,
  isRetryableStatus,
  parseRetryAfter,
  resolveRetry,
  retry,
  retryDelay,
  sleep,
} from '../../../../lib/adapters/registry/retry.js';
import { RegistryError, ScannerError } from '../../../../lib/engine/errors.js';

const NOW = Date.parse('2026-01-01T00:00:00Z');

describe('parseRetryAfter', () => {
  it.each([
    ['1', 1000],
    [' 120 ', 120_000],
    ['0', 0],
    ['Thu, 01 Jan 2026 00:00:30 GMT', 30_000],
    ['Wed, 31 Dec 2025 23:59:00 GMT', 0],
    [undefined, undefined],
    ['', undefined],
    ['-5', undefined],
    ['1.5', undefined],
    ['soon', undefined],
  ])('reads %j as %j ms', (value, expected) => {
    expect(parseRetryAfter(value, NOW)).toBe(expected);
  });
});

describe('backoff', () => {
  it('grows by the factor and stops at the maximum', () => {
    // Prepare
    const policy = resolveRetry({
      jitter: 0,
      initialDelayMs: 100,
      factor: 3,
      maxDelayMs: 1000,
    });

    // Act
    const schedule = [1, 2, 3, 4].map((n) => backoffDelay(n, policy));

    // Assess
    expect(schedule).toEqual([100, 300, 900, 1000]);
  });

  it('spreads delays by at most the jitter fraction', () => {
    // Prepare
    const low = resolveRetry({ random: () => 0 });
    const high = resolveRetry({ random: () => 0.999999 });

    // Act / Assess
    expect(backoffDelay(1, low)).toBe(900);
    expect(backoffDelay(1, high)).toBe(1100);
  });

  it('uses Retry-After when given, capped at maxRetryAfterMs', () => {
    // Prepare
    const policy = resolveRetry({ maxRetryAfterMs: 5000, jitter: 0 });

    // Act / Assess
    expect(retryDelay(1, 2000, policy)).toBe(2000);
    expect(retryDelay(1, 3_600_000, policy)).toBe(5000);
    expect(retryDelay(2, undefined, policy)).toBe(3000);
  });

  it('has defaults matching go-containerregistry: 1 s × 3, four tries', () => {
    expect(DEFAULT_RETRY).toMatchObject({
      attempts: 4,
      initialDelayMs: 1000,
      factor: 3,
      jitter: 0.1,
    });
  });

  it.each([
    [408, true],
    [429, true],
    [500, true],
    [502, true],
    [503, true],
    [501, false],
    [400, false],
    [401, false],
    [404, false],
  ])('status %i retryable: %s', (status, expected) => {
    expect(isRetryableStatus(status)).toBe(expected);
  });
});

describe('retry', () => {
  const transient = () =>
    new RegistryError('busy', { status: 503, retryable: true });

  it('repeats retryable failures with the computed waits, then returns', async () => {
    // Prepare
    const waits: number[] = [];
    const policy = resolveRetry({
      jitter: 0,
      initialDelayMs: 10,
      sleep: async (ms) => void waits.push(ms),
    });
    let calls = 0;

    // Act
    const value = await retry(policy, undefined, async () => {
      calls++;
      if (calls === 1) return { error: transient(), retryAfterMs: 1234 };
      if (calls === 2) throw transient();
      return { value: 'ok' };
    });

    // Assess
    expect(value).toBe('ok');
    expect(waits).toEqual([1234, 30]);
  });

  it('throws the last error when attempts run out', async () => {
    // Prepare
    const policy = resolveRetry({ attempts: 3, sleep: async () => undefined });
    const operation = vi.fn(async () => ({ error: transient() }));

    // Act
    const error = await retry(policy, undefined, operation).catch(
      (e: unknown) => e
    );

    // Assess
    expect(error).toBeInstanceOf(RegistryError);
    expect(operation).toHaveBeenCalledTimes(3);
  });

  it('does not repeat errors that are not retryable', async () => {
    // Prepare
    const policy = resolveRetry({ sleep: async () => undefined });
    const operation = vi.fn(async () => ({
      error: new RegistryError('gone', { status: 404 }),
    }));

    // Act
    await expect(retry(policy, undefined, operation)).rejects.toThrow('gone');

    // Assess
    expect(operation).toHaveBeenCalledTimes(1);
  });
});

describe('sleep', () => {
  it('rejects with an aborted ScannerError when the signal fires', async () => {
    // Prepare
    vi.useFakeTimers();
    const controller = new AbortController();
    const waiting = sleep(60_000, controller.signal).catch((e: unknown) => e);

    // Act
    controller.abort();
    const error = await waiting;
    vi.useRealTimers();

    // Assess
    expect(error).toBeInstanceOf(ScannerError);
    expect((error as ScannerError).code).toBe('aborted');
  });

  it('resolves after the delay', async () => {
    // Prepare
    vi.useFakeTimers();
    let done = false;
    const waiting = sleep(1000).then(() => {
      done = true;
    });

    // Act
    await vi.advanceTimersByTimeAsync(999);
    const early = done;
    await vi.advanceTimersByTimeAsync(1);
    await waiting;
    vi.useRealTimers();

    // Assess
    expect(early).toBe(false);
    expect(done).toBe(true);
  });
});
