import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Dialect } from '../database/options.js';
import type { SqlParam } from '../executor/executor.js';
import { type ReadTable, readColumns } from '../tenant/read-columns.js';
import { ReferenceSource } from '../tenant/reference-source.js';

// Small helpers for the hand-written SQL of the lifecycle code. The SQL is hand-written because
// the hot paths need atomic arithmetic (`total_uses = total_uses + 1`), RETURNING and row locks,
// and must not flush whatever else the caller's EntityManager holds. Parameters are always `?`
// placeholders (MikroORM escapes them); values are passed as strings, numbers, booleans or null,
// never as Date objects, so no driver-side timezone conversion can creep in.

/** A timestamp as stored text: ISO-8601 UTC with milliseconds (both dialects accept it as a literal). */
export function sqlTimestamp(date: Date): string {
  return date.toISOString();
}

/** A JSON value as a statement parameter (jsonb accepts JSON text; SQLite stores the text). */
export function sqlJson(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * An expression giving `column` (a timestamp) as sortable ISO-8601 UTC text with every digit the
 * database holds: PostgreSQL keeps microseconds, which a JavaScript Date would drop and so break a
 * keyset cursor on rows written by other clients.
 */
export function timestampTextSql(dialect: Dialect, column: string): string {
  return dialect === 'postgresql' ? `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : column;
}

/** A value read back from a boolean column or a boolean expression (0/1 on SQLite). */
export function sqlBoolean(value: unknown): boolean {
  return value === true || value === 1 || value === '1' || value === 't' || value === 'true';
}

/** A value read back from a JSON column (parsed by pg on PostgreSQL, text on SQLite). */
export function sqlJsonValue(value: unknown): unknown {
  if (typeof value !== 'string') return value ?? null;
  try {
    return JSON.parse(value);
  } catch {
    return null;
  }
}

/** A value read back from a count/sum (PostgreSQL returns bigint as text). */
export function sqlNumber(value: unknown): number {
  if (value === null || value === undefined) return 0;
  return typeof value === 'number' ? value : Number(value);
}

/** `insert into "table" (…) values (…) returning <the columns mapRows reads>` for the given column → value map. */
export function insertReturningSql(
  table: ReadTable,
  values: Record<string, SqlParam>,
): { sql: string; params: SqlParam[] } {
  const columns = Object.keys(values);
  return {
    sql: `insert into "${table}" (${columns.map((c) => `"${c}"`).join(', ')}) values (${columns.map(() => '?').join(', ')}) returning ${readColumns(table)}`,
    params: columns.map((c) => values[c]),
  };
}

/**
 * Where the entities one call returns get their relation references: a fresh fork of `em`
 * (empty identity map, same transaction), made only if a returned row has a relation. The
 * scope's own EntityManager never accumulates entities between calls, and a caller's changes to
 * a returned entity are never flushed by a later call.
 */
export function referencesFrom(em: SqlEntityManager): ReferenceSource {
  return new ReferenceSource(em);
}
