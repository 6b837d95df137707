import type { AdoptSql } from './adopt-sql.js';
import {
  ALEMBIC_REVISION,
  ALEMBIC_TABLE_NAMES,
  ALEMBIC_TABLES,
  type AlembicTable,
  TENANT_BACKFILL_TABLES,
  TIMESTAMP_COLUMNS,
} from './alembic-revision.js';
import { isoTimestampSql } from './assert-sqlite-rows-adoptable.js';

/**
 * Rebuilds the revision's SQLite tables as our initial migration's: SQLite cannot change a
 * column's type, add a CHECK or make an id AUTOINCREMENT in place. The old tables are renamed
 * aside, `initialSchemaSql` creates ours under their names (so the stored schema is exactly a
 * fresh migration's), every row is copied with its id — timestamps converted to ISO-8601 UTC,
 * `company_id` taken from the row's workflow — and the old tables are dropped.
 *
 * Runs inside the runner's migration transaction, where SQLite's foreign keys are off: the
 * drops cannot cascade, and the runner checks every foreign key before it commits.
 *
 * @example
 * await rebuildSqliteTables(sql, await ctx.initialSchemaSql());
 */
export async function rebuildSqliteTables(sql: AdoptSql, initialSchemaSql: readonly string[]): Promise<void> {
  for (const table of ALEMBIC_TABLE_NAMES) {
    await sql.run(`alter table ${sql.id(table)} rename to ${sql.id(asideName(table))}`);
  }
  for (const statement of initialSchemaSql) await sql.run(statement);
  for (const table of ALEMBIC_TABLE_NAMES) await copyRows(sql, table);
  for (const table of [...ALEMBIC_TABLE_NAMES].reverse()) await sql.run(`drop table ${sql.id(asideName(table))}`);
}

async function copyRows(sql: AdoptSql, table: AlembicTable): Promise<void> {
  const columns: readonly string[] = ALEMBIC_TABLES[table];
  const timestamps = TIMESTAMP_COLUMNS[table];
  const targets = columns.map((c) => sql.id(c));
  const values = columns.map((c) => (timestamps.includes(c) ? isoTimestampSql(`o.${sql.id(c)}`) : `o.${sql.id(c)}`));
  if (TENANT_BACKFILL_TABLES.includes(table)) {
    targets.push(sql.id('company_id'));
    values.push(
      `(select w.${sql.id('company_id')} from ${sql.id(asideName('workflows'))} w where w.id = o.workflow_id)`,
    );
  }
  await sql.run(
    `insert into ${sql.id(table)} (${targets.join(', ')}) select ${values.join(', ')} from ${sql.id(asideName(table))} o order by o.id`,
  );
}

function asideName(table: AlembicTable): string {
  return `${table}__alembic_${ALEMBIC_REVISION}`;
}
