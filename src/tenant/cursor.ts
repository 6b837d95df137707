import { InvalidInputError } from '../errors.js';
import { MAX_ID } from '../validation/validators.js';

/** A keyset position: the sort-key values of the last row of a page, in sort order. */
export type CursorValues = (string | number | boolean | null)[];

/**
 * Encodes a keyset position as an opaque base64url string. Callers must treat it as opaque;
 * it is validated on the way back in, so a forged cursor is INVALID_INPUT, never a query error.
 */
export function encodeCursor(values: CursorValues): string {
  return Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
}

/** Decodes a cursor made by {@link encodeCursor} with `arity` values, or throws INVALID_INPUT on `field`. */
export function decodeCursor(field: string, cursor: unknown, arity: number): CursorValues {
  if (typeof cursor !== 'string' || cursor.length === 0 || cursor.length > 1024 || !/^[A-Za-z0-9_-]+$/.test(cursor)) {
    throw new InvalidInputError(field, 'not a cursor returned by this library');
  }
  let values: unknown;
  try {
    values = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new InvalidInputError(field, 'not a cursor returned by this library');
  }
  const ok =
    Array.isArray(values) &&
    values.length === arity &&
    values.every(
      (v) =>
        v === null || typeof v === 'string' || typeof v === 'boolean' || (typeof v === 'number' && Number.isFinite(v)),
    );
  if (!ok) throw new InvalidInputError(field, 'not a cursor returned by this library');
  return values as CursorValues;
}

// ISO-8601 as written by this library, by PostgreSQL's to_char, or by the original backend.
const TIMESTAMP = /^(\d{4})-(\d{2})-(\d{2})[T ](\d{2}):(\d{2}):(\d{2})(\.\d{1,9})?(Z|([+-])(\d{2}):?(\d{2}))?$/;

/**
 * The time of a cursor, or INVALID_INPUT on `field`: a real calendar time in years 0001-9999
 * with a UTC offset PostgreSQL accepts (at most ±15:59), so that neither dialect refuses it as a
 * query parameter and SQLite does not compare arbitrary text with the stored times.
 */
export function cursorTime(field: string, value: unknown): string {
  const m = typeof value === 'string' ? TIMESTAMP.exec(value) : null;
  if (!m) throw new InvalidInputError(field, 'not a cursor returned by this library');
  const [year, month, day, hour, minute, second] = m.slice(1, 7).map(Number);
  const date = new Date(Date.UTC(2000, month - 1, day, hour, minute, second));
  date.setUTCFullYear(year, month - 1, day);
  const valid =
    year >= 1 &&
    date.getUTCFullYear() === year &&
    date.getUTCMonth() === month - 1 &&
    date.getUTCDate() === day &&
    date.getUTCHours() === hour &&
    date.getUTCMinutes() === minute &&
    date.getUTCSeconds() === second &&
    (m[9] === undefined || (Number(m[10]) <= 15 && Number(m[11]) <= 59));
  if (!valid) throw new InvalidInputError(field, 'not a cursor returned by this library');
  return value as string;
}

/** The row id of a cursor (a positive integer id, at most {@link MAX_ID}), or INVALID_INPUT on `field`. */
export function cursorId(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw new InvalidInputError(field, 'not a cursor returned by this library');
  }
  return value;
}
