import type { SqlDialect } from '../dialects/dialect.js';
import type { SqlParam } from '../executor/executor.js';
import { type CursorValues, cursorId, cursorTime, decodeCursor, encodeCursor } from './cursor.js';

// The one paginator of the library's lists (workflows, health logs, notifications): newest first
// on (time, id), a keyset condition instead of OFFSET, one row more than the page to tell whether
// another page follows, and an opaque cursor holding the last row's exact stored time and id
// (behind any leading values a list orders by first, such as a notification's `read`).

/**
 * The column a keyset statement selects with each row's exact time as text (see {@link cursorAtColumn}).
 *
 * @example
 * String(rows[0][CURSOR_AT]); // '2026-01-02T03:04:05.123456Z' on PostgreSQL
 */
export const CURSOR_AT = 'cursor_at';

/** Where a page starts: after the row with this exact stored time and id, newest first. */
export interface KeysetPosition {
  /** The stored time as sortable ISO-8601 text. */
  at: string;
  id: number;
}

/** A decoded cursor: the values a list orders by before (time, id), and the position. */
export interface DecodedKeyset {
  leading: CursorValues;
  after: KeysetPosition;
}

/**
 * Decodes a cursor made by {@link keysetPage} with `leading` values before the time and id, or
 * null for no cursor (the first page). Anything else not made by this library is INVALID_INPUT
 * on `cursor`, before any statement runs.
 *
 * @example
 * const decoded = decodeKeyset(options.cursor); // { leading: [], after: { at, id } } | null
 */
export function decodeKeyset(cursor: unknown, leading = 0): DecodedKeyset | null {
  if (cursor === undefined || cursor === null) return null;
  const values = decodeCursor('cursor', cursor, leading + 2);
  return {
    leading: values.slice(0, leading),
    after: { at: cursorTime('cursor', values[leading]), id: cursorId('cursor', values[leading + 1]) },
  };
}

/**
 * The select-list item giving `column` (a timestamp) as the exact sortable text the next cursor
 * holds, named {@link CURSOR_AT}: PostgreSQL keeps microseconds, which a JavaScript Date would drop.
 *
 * @example
 * `select ${readColumns('workflows', '"w"')}, ${cursorAtColumn(dialect, '"w"."created_at"')} from …`
 */
export function cursorAtColumn(dialect: SqlDialect, column: string): string {
  return `${dialect.timestampText(column)} as "${CURSOR_AT}"`;
}

/**
 * The condition ` and <rows after the position>` on the `time` and `id` columns, newest first,
 * or nothing for the first page. `time <= ?` comes first, so that it bounds the range of an index
 * ending in (…, time); the `or` only breaks ties within it. The same text on both dialects:
 * PostgreSQL types each parameter from its column.
 *
 * @example
 * const after = keysetCondition('"w"."created_at"', '"w"."id"', decoded?.after ?? null);
 * sql += after.sql; params.push(...after.params);
 */
export function keysetCondition(
  time: string,
  id: string,
  after: KeysetPosition | null,
): { sql: string; params: SqlParam[] } {
  if (after === null) return { sql: '', params: [] };
  return { sql: ` and ${time} <= ? and (${time} < ? or ${id} < ?)`, params: [after.at, after.at, after.id] };
}

/**
 * One page of a keyset statement's rows (at most `limit + 1`, newest first, each with `id` and
 * {@link CURSOR_AT}): the first `limit` rows as items, and the cursor of the next page when there
 * was one more row (null: last page). `leading` gives the values a cursor holds before the time.
 *
 * @example
 * const rows = await query(em, sql, params);
 * return keysetPage(rows, limit, (page) => mapRows(refs, Workflow, page));
 */
export function keysetPage<T>(
  rows: readonly Record<string, unknown>[],
  limit: number,
  items: (page: readonly Record<string, unknown>[]) => T[],
  leading?: (row: Record<string, unknown>) => CursorValues,
): { items: T[]; nextCursor: string | null } {
  const page = rows.length > limit ? rows.slice(0, limit) : rows;
  const last = page[page.length - 1];
  const nextCursor =
    rows.length > limit && last !== undefined
      ? encodeCursor([...(leading ? leading(last) : []), String(last[CURSOR_AT]), Number(last.id)])
      : null;
  return { items: items(page), nextCursor };
}
