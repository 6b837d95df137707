import type { SqlParam } from '../executor/executor.js';
import { type ReadTable, readColumns } from '../tenant/read-columns.js';

// Small dialect-free helpers for the hand-written SQL of the lifecycle code (what differs between
// the dialects is in src/dialects/*/lifecycle-sql.ts). The SQL is hand-written because the hot
// paths need atomic arithmetic (`total_uses = total_uses + 1`), RETURNING and row locks. Parameters
// are always `?` placeholders, bound by the driver; values are passed as strings, numbers, booleans
// or null, never as Date objects, so no driver-side timezone conversion can creep in.

/**
 * A timestamp as stored text: ISO-8601 UTC with milliseconds (both dialects accept it as a literal).
 *
 * @example
 * await query(em, 'update "workflows" set "updated_at" = ? where "id" = ? and "company_id" = ?', [sqlTimestamp(new Date()), id, companyId]);
 */
export function sqlTimestamp(date: Date): string {
  return date.toISOString();
}

/**
 * A JSON value as a statement parameter (jsonb accepts JSON text; SQLite stores the text).
 *
 * @example
 * sqlJson({ primary: '#email' }); // '{"primary":"#email"}'; sqlJson(undefined) is null
 */
export function sqlJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * A value read back from a boolean column or a boolean expression (0/1 on SQLite).
 *
 * @example
 * sqlBoolean(row.user_ok); // true for true, 1, '1', 't'
 */
export function sqlBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

/**
 * A value read back from a JSON column (parsed by pg on PostgreSQL, text on SQLite); null when unreadable.
 *
 * @example
 * sqlJsonValue('{"brokenAfterFailures":5}'); // { brokenAfterFailures: 5 }
 */
export function sqlJsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

/**
 * A value read back from a count/sum (PostgreSQL returns bigint as text); 0 for null.
 *
 * @example
 * sqlNumber('42'); // 42
 */
export function sqlNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/**
 * `insert into "table" (…) values (…) returning <the columns mapRows reads>` for the given column → value map.
 *
 * @example
 * const { sql, params } = insertReturningSql('notifications', { company_id: 7, title: 'Hi', … });
 */
export function insertReturningSql(
  table: ReadTable,
  values: Record<string, SqlParam>,
): { sql: string; params: SqlParam[] } {
  const columns = Object.keys(values);
  const key = `${table}(${columns.join(',')})`;
  let sql = insertTexts.get(key);
  if (sql === undefined) {
    sql = `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')}) returning ${readColumns(table)}`;
    insertTexts.set(key, sql);
  }
  return { sql, params: columns.map((c) => values[c]) };
}

// The text of each insert, made once: the same string each call is hashed once by the statement
// caches that look it up (SQLite's per connection, PostgreSQL's named statements), not per call.
// Its keys are the few column lists of the library's own inserts.
const insertTexts = new Map<string, string>();
