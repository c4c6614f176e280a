/**
 * Opaque page cursors: base64url of a small JSON object holding DynamoDB's
 * `LastEvaluatedKey` (and, for failure lists, the day partition). A cursor
 * is checked on the way back in, so a forged one can only name a position
 * in the partition the caller asked for, never another repository's.
 */
import { ConfigError } from '../../engine/errors.js';

/** A DynamoDB key as the document client reads it: attribute name to string. */
export type StringKey = Record<string, string>;

/** What a cursor carries. */
export interface CursorState {
  /** Day partition (failure lists), `yyyy-mm-dd`. */
  readonly day?: string;
  /** Where the next query starts (exclusive). */
  readonly key?: StringKey;
}

/** Encodes a cursor. */
export function encodeCursor(state: CursorState): string {
  return Buffer.from(JSON.stringify(state), 'utf8').toString('base64url');
}

/** The error for a cursor that does not belong to the list asked for. */
export const invalidCursor = () =>
  new ConfigError(
    'invalid cursor: pass back the cursor of the previous page unchanged'
  );

/**
 * Decodes a cursor whose key must consist of exactly `keyNames`.
 *
 * @throws ConfigError when the cursor was not made by {@link encodeCursor} for this kind of list.
 */
export function decodeCursor(
  cursor: string,
  keyNames: readonly string[]
): CursorState {
  let state: unknown;
  try {
    state = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw invalidCursor();
  }
  if (typeof state !== 'object' || state === null) throw invalidCursor();
  const { day, key } = state as { day?: unknown; key?: unknown };
  if (
    day !== undefined &&
    !(typeof day === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(day))
  ) {
    throw invalidCursor();
  }
  if (key !== undefined && !isKey(key, keyNames)) throw invalidCursor();
  return {
    ...(day !== undefined ? { day } : {}),
    ...(key !== undefined ? { key: key as StringKey } : {}),
  };
}

function isKey(value: unknown, keyNames: readonly string[]): boolean {
  if (typeof value !== 'object' || value === null) return false;
  const entries = Object.entries(value);
  return (
    entries.length === keyNames.length &&
    entries.every(
      ([name, v]) => keyNames.includes(name) && typeof v === 'string'
    )
  );
}

/** The key attributes `keyNames` of an item, to resume after it. */
export function keyOf(
  item: Record<string, unknown>,
  keyNames: readonly string[]
): StringKey {
  const key: StringKey = {};
  for (const name of keyNames) key[name] = String(item[name]);
  return key;
}
