import { describe, expect, it } from 'vitest';
import {
  dayOf,
  pageLimit,
  previousDay,
  requireCanonicalInstant,
  timeWindow,
  toInstant,
} from '../../../../lib/engine/history/list-window.js';

const NOW = new Date('2026-11-25T12:00:00.000Z');

describe('toInstant', () => {
  it.each([
    ['2026-11-25T08:00:00+01:00', '2026-11-25T07:00:00.000Z'],
    ['2026-11-25T07:00Z', '2026-11-25T07:00:00.000Z'],
    ['2026-11-25', '2026-11-25T00:00:00.000Z'],
    ['2026-11-25T07:00:00.123456Z', '2026-11-25T07:00:00.123Z'],
  ])('reads %s as %s', (text, instant) => {
    expect(toInstant(text, 'since')).toBe(instant);
  });

  it.each(['yesterday', '1764054000', '2026-11-25T07:00:00', '2026-13-45'])(
    'refuses %s, naming the parameter',
    (text) => {
      expect(() => toInstant(text, 'until')).toThrow(/^until must be/);
    }
  );
});

describe('requireCanonicalInstant', () => {
  it('accepts what toISOString writes and refuses anything else', () => {
    expect(requireCanonicalInstant('2026-11-25T07:00:00.000Z')).toBe(
      '2026-11-25T07:00:00.000Z'
    );
    for (const text of ['2026-11-25T07:00:00Z', 'soon']) {
      expect(() => requireCanonicalInstant(text)).toThrow(
        expect.objectContaining({ code: 'format' })
      );
    }
  });
});

describe('pageLimit', () => {
  it.each([
    [undefined, 25],
    [1, 1],
    [100, 100],
    [5000, 100],
  ])('turns %s into %i', (limit, expected) => {
    expect(pageLimit(limit)).toBe(expected);
  });

  it.each([0, -1, 2.5])('refuses %s', (limit) => {
    expect(() => pageLimit(limit)).toThrow(
      expect.objectContaining({ code: 'config' })
    );
  });
});

describe('timeWindow', () => {
  it('leaves an open window open', () => {
    expect(timeWindow({}, NOW)).toEqual({});
    expect(timeWindow({ since: '2026-11-20' }, NOW)).toEqual({
      since: '2026-11-20T00:00:00.000Z',
    });
  });

  it('fills in the default days back from until or now', () => {
    expect(timeWindow({}, NOW, 7)).toEqual({
      since: '2026-11-18T12:00:00.000Z',
      until: '2026-11-25T12:00:00.000Z',
    });
    expect(timeWindow({ until: '2026-11-10' }, NOW, 2)).toEqual({
      since: '2026-11-08T00:00:00.000Z',
      until: '2026-11-10T00:00:00.000Z',
    });
  });

  it('refuses a window that ends before it starts', () => {
    expect(() =>
      timeWindow({ since: '2026-11-25', until: '2026-11-24' }, NOW)
    ).toThrow(/must not be after/);
  });
});

describe('days', () => {
  it('names the UTC day of an instant and the day before, across months and years', () => {
    expect(dayOf('2026-11-25T23:59:59.999Z')).toBe('2026-11-25');
    expect(previousDay('2026-03-01')).toBe('2026-02-28');
    expect(previousDay('2027-01-01')).toBe('2026-12-31');
  });
});
