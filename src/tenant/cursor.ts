import { InvalidInputError } from '../errors.js';

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
