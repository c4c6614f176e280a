/**
 * The paging rules every `ScanStore` shares: page sizes, the time window a
 * list covers, and the canonical instant format that makes time-ordered
 * keys sort correctly (ISO 8601 in UTC with milliseconds, as
 * `Date.prototype.toISOString` writes it: fixed width, so string order is
 * time order).
 */
import { ConfigError, FormatError } from '../errors.js';

/** Items per page when the caller does not say. */
export const DEFAULT_PAGE_LIMIT = 25;
/** Most items per page: keeps one page of summaries well under API Gateway's 10 MB and Lambda's 6 MB responses. */
export const MAX_PAGE_LIMIT = 100;
/** How far back failure lists look by default (DESIGN.md: "recent failures"). */
export const DEFAULT_FAILURE_DAYS = 7;

const DAY_MS = 86_400_000;

// Date and time with an explicit zone, or a bare date (read as UTC midnight).
const ISO_8601 =
  /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/**
 * Parses an ISO 8601 instant given by a caller into canonical form.
 *
 * @throws ConfigError naming the parameter when it is not an ISO 8601 date or date-time.
 * @example toInstant('2026-11-25T08:00:00+01:00', 'since') // '2026-11-25T07:00:00.000Z'
 */
export function toInstant(text: string, name: string): string {
  const time = ISO_8601.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time)) {
    throw new ConfigError(
      `${name} must be an ISO 8601 date or date-time such as 2026-11-25T07:00:00Z, got ${JSON.stringify(text)}`
    );
  }
  return new Date(time).toISOString();
}

/**
 * Checks that a stored scan's time is canonical, so its keys sort by time.
 *
 * @throws FormatError when it is not what `toISOString` writes.
 */
export function requireCanonicalInstant(scannedAt: string): string {
  const time = Date.parse(scannedAt);
  if (Number.isNaN(time) || new Date(time).toISOString() !== scannedAt) {
    throw new FormatError(
      `scannedAt must be a UTC ISO 8601 time with milliseconds (toISOString), got ${JSON.stringify(scannedAt)}`
    );
  }
  return scannedAt;
}

/** The page size to use: the default when absent, capped at {@link MAX_PAGE_LIMIT}. */
export function pageLimit(limit: number | undefined): number {
  if (limit === undefined) return DEFAULT_PAGE_LIMIT;
  if (!Number.isInteger(limit) || limit < 1) {
    throw new ConfigError(
      `limit must be a whole number from 1 to ${MAX_PAGE_LIMIT}, got ${limit}`
    );
  }
  return Math.min(limit, MAX_PAGE_LIMIT);
}

/** A half-open time window `[since, until)` in canonical form. */
export interface TimeWindow {
  readonly since?: string;
  readonly until?: string;
}

/**
 * Resolves `since`/`until` given by a caller; `defaultDays` fills in an
 * absent `since` (and `now` an absent `until`) for lists that need bounds.
 *
 * @throws ConfigError for a malformed time or a window that ends before it starts.
 */
export function timeWindow(
  options: { readonly since?: string; readonly until?: string },
  now: Date,
  defaultDays?: number
): TimeWindow {
  const until =
    options.until !== undefined
      ? toInstant(options.until, 'until')
      : defaultDays !== undefined
        ? now.toISOString()
        : undefined;
  const since =
    options.since !== undefined
      ? toInstant(options.since, 'since')
      : defaultDays !== undefined
        ? new Date(Date.parse(until ?? '') - defaultDays * DAY_MS).toISOString()
        : undefined;
  if (since !== undefined && until !== undefined && since > until) {
    throw new ConfigError(
      `since (${since}) must not be after until (${until})`
    );
  }
  return {
    ...(since !== undefined ? { since } : {}),
    ...(until !== undefined ? { until } : {}),
  };
}

/** The UTC day (`yyyy-mm-dd`) of a canonical instant. */
export function dayOf(instant: string): string {
  return instant.slice(0, 10);
}

/** The UTC day before `day` (`yyyy-mm-dd`). */
export function previousDay(day: string): string {
  return new Date(Date.parse(`${day}T00:00:00.000Z`) - DAY_MS)
    .toISOString()
    .slice(0, 10);
}
