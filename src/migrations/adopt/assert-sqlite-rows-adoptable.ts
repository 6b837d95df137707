import { MigrationError } from '../../errors.js';
import type { AdoptSql } from './adopt-sql.js';
import { ALEMBIC_TABLE_NAMES, ENUM_COLUMNS, JSON_COLUMNS, TIMESTAMP_COLUMNS } from './alembic-revision.js';

/**
 * The SQLite expression that turns a SQLite time string (`YYYY-MM-DD HH:MM:SS[.ffffff]`, with or
 * without an offset) into `YYYY-MM-DDTHH:MM:SS.sssZ` in UTC, or NULL when it is not a time.
 *
 * @example
 * isoTimestampSql('created_at') // → "strftime('%Y-%m-%dT%H:%M:%fZ', created_at)"
 */
export function isoTimestampSql(column: string): string {
  return `strftime('%Y-%m-%dT%H:%M:%fZ', ${column})`;
}

/**
 * Refuses a SQLite database whose rows our schema would reject or misread, before anything is
 * changed. The original enforced nothing on SQLite: not its enums, not its foreign keys (so a
 * row can name a parent that is gone), not JSON, not timestamps. Each finding names the table,
 * the column and how many rows, so the operator can fix them and adopt again.
 *
 * @example
 * await assertSqliteRowsAdoptable(sql);
 */
export async function assertSqliteRowsAdoptable(sql: AdoptSql): Promise<void> {
  for (const { table, column, values } of ENUM_COLUMNS) {
    const rows = await sql.all<{ value: unknown; n: number }>(
      `select ${sql.id(column)} as value, count(*) as n from ${sql.id(table)} ` +
        `where ${sql.id(column)} is null or ${sql.id(column)} not in (${values.map(() => '?').join(', ')}) ` +
        `group by ${sql.id(column)} limit 5`,
      [...values],
    );
    if (rows.length > 0) {
      const found = rows.map((r) => `${JSON.stringify(r.value)} (${r.n} row(s))`).join(', ');
      throw refuse(`${table}.${column} holds values other than ${values.join(', ')}: ${found}`);
    }
  }

  for (const table of ALEMBIC_TABLE_NAMES) {
    for (const column of TIMESTAMP_COLUMNS[table]) {
      const [{ n }] = await sql.all<{ n: number }>(
        `select count(*) as n from ${sql.id(table)} where ${sql.id(column)} is not null and ${isoTimestampSql(sql.id(column))} is null`,
      );
      if (n > 0) throw refuse(`${table}.${column} holds ${n} value(s) that are not timestamps`);
    }
    for (const { column } of JSON_COLUMNS[table] ?? []) {
      const [{ n }] = await sql.all<{ n: number }>(
        `select count(*) as n from ${sql.id(table)} where ${sql.id(column)} is not null and not json_valid(${sql.id(column)})`,
      );
      if (n > 0) throw refuse(`${table}.${column} holds ${n} value(s) that are not valid JSON`);
    }
  }

  await assertNoDanglingReferences(sql);
}

async function assertNoDanglingReferences(sql: AdoptSql): Promise<void> {
  const violations = await sql.all<{ table: string; parent: string; fkid: number }>('pragma foreign_key_check');
  if (violations.length === 0) return;
  const counts = new Map<string, number>();
  for (const v of violations) {
    const keys = await sql.all<{ id: number; from: string }>(`select id, "from" from pragma_foreign_key_list(?)`, [
      v.table,
    ]);
    const column = keys.find((k) => k.id === v.fkid)?.from ?? '?';
    const key = `${v.table}.${column} → ${v.parent}`;
    counts.set(key, (counts.get(key) ?? 0) + 1);
  }
  const found = [...counts].map(([key, n]) => `${n} row(s) of ${key}`).join(', ');
  throw refuse(
    `rows name parents that no longer exist (the Python backend never turned SQLite's foreign keys on): ${found}; ` +
      'set those references to NULL or delete the rows, then adopt again',
  );
}

function refuse(reason: string): MigrationError {
  return new MigrationError(`Cannot adopt: ${reason}`);
}
