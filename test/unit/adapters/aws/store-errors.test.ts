import { describe, expect, it } from 'vitest';
import {
  StoreError,
  storeError,
} from '../../../../lib/adapters/aws/store-errors.js';
import { ConfigError } from '../../../../lib/engine/errors.js';

const sdkError = (name: string) =>
  Object.assign(new Error(`${name} happened`), { name });

describe('storeError', () => {
  it.each([
    ['ResourceNotFoundException', 'config', false],
    ['NoSuchBucket', 'config', false],
    ['AccessDeniedException', 'auth', false],
    ['NoSuchKey', 'not-found', false],
    ['ProvisionedThroughputExceededException', 'internal', true],
    ['ThrottlingException', 'internal', true],
    ['InternalServerError', 'internal', true],
    ['ValidationException', 'internal', false],
  ])('maps %s to code %s, retryable %s', (name, code, retryable) => {
    const error = storeError(sdkError(name), 'put scan x', 'table t');
    expect(error).toBeInstanceOf(StoreError);
    expect(error).toMatchObject({ code, retryable });
    expect((error as StoreError).cause).toMatchObject({ name });
    expect(error.message).toMatch(/^put scan x/);
  });

  it('passes our own errors through unchanged', () => {
    const original = new ConfigError('bad cursor');
    expect(storeError(original, 'list', 'table t')).toBe(original);
  });

  it('wraps values that are not errors', () => {
    const error = storeError('boom', 'get scan y', 'table t');
    expect(error).toMatchObject({ code: 'internal', retryable: false });
    expect(error.message).toContain('boom');
  });
});
