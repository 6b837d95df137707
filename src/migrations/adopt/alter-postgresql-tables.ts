import { MigrationError } from '../../errors.js';
import type { AdoptSql } from './adopt-sql.js';
import { ALEMBIC_TABLE_NAMES, ENUM_COLUMNS, JSON_COLUMNS, TENANT_BACKFILL_TABLES } from './alembic-revision.js';

const TABLE_LIST = ALEMBIC_TABLE_NAMES.map((t) => `'${t}'`).join(', ');

/**
 * Alters the revision's PostgreSQL tables in place into our initial migration's, keeping
 * every row, id and sequence: drops the revision's foreign keys, unique constraints and
 * indexes (it had duplicates and unnamed-by-us keys); turns `varchar` into `text`, JSON text
 * into `jsonb` and the enum types into `text` + CHECK, then drops the types; adds `company_id`
 * to steps and health_logs from each row's workflow; and finally replays the migration's own
 * index, unique and foreign-key statements, so names and delete rules are exactly its.
 *
 * @example
 * await alterPostgresqlTables(sql, await ctx.initialSchemaSql());
 */
export async function alterPostgresqlTables(sql: AdoptSql, initialSchemaSql: readonly string[]): Promise<void> {
  await dropKeysAndIndexes(sql);

  const varchars = await sql.all<{ table_name: string; column_name: string }>(
    'select table_name, column_name from information_schema.columns ' +
      `where table_schema = current_schema() and table_name in (${TABLE_LIST}) and data_type = 'character varying' ` +
      'order by table_name, ordinal_position',
  );
  for (const { table_name, column_name } of varchars) {
    await sql.run(`alter table ${sql.id(table_name)} alter column ${sql.id(column_name)} type text`);
  }

  for (const { table, column, pgType, values, default: fallback } of ENUM_COLUMNS) {
    const t = sql.id(table);
    const c = sql.id(column);
    await sql.run(`alter table ${t} alter column ${c} drop default`);
    await sql.run(`alter table ${t} alter column ${c} type text using ${c}::text`);
    if (fallback) await sql.run(`alter table ${t} alter column ${c} set default ${fallback}`);
    const allowed = values.map((v) => `'${v}'`).join(', ');
    await sql.run(`alter table ${t} add constraint ${sql.id(`${table}_${column}_check`)} check (${c} in (${allowed}))`);
    await sql.run(`drop type if exists ${sql.id(pgType)}`);
  }

  for (const table of ALEMBIC_TABLE_NAMES) {
    for (const { column, default: fallback } of JSON_COLUMNS[table] ?? []) {
      const t = sql.id(table);
      const c = sql.id(column);
      await sql.run(`alter table ${t} alter column ${c} drop default`);
      try {
        await sql.run(`alter table ${t} alter column ${c} type jsonb using ${c}::jsonb`);
      } catch (error) {
        // The driver's message quotes the offending text; the column is what the operator needs.
        throw new MigrationError(`Cannot adopt: ${table}.${column} holds text that is not valid JSON`, undefined, {
          cause: error,
        });
      }
      if (fallback) await sql.run(`alter table ${t} alter column ${c} set default ${fallback}`);
    }
  }

  // The revision wrote these as '0'::double precision and 'jpeg'::character varying.
  await sql.run(`alter table ${sql.id('workflows')} alter column ${sql.id('success_rate')} set default 0`);
  await sql.run(`alter table ${sql.id('screenshots')} alter column ${sql.id('format')} set default 'jpeg'`);

  for (const table of TENANT_BACKFILL_TABLES) {
    const t = sql.id(table);
    await sql.run(`alter table ${t} add column ${sql.id('company_id')} int null`);
    await sql.run(
      `update ${t} set ${sql.id('company_id')} = w.${sql.id('company_id')} from ${sql.id('workflows')} w where w.id = ${t}.${sql.id('workflow_id')}`,
    );
    await sql.run(`alter table ${t} alter column ${sql.id('company_id')} set not null`);
  }

  for (const statement of initialSchemaSql) {
    if (!/^\s*create table\b/i.test(statement)) await sql.run(statement);
  }
  await advanceIdSequences(sql);
}

/**
 * Moves each id sequence past the highest id, never back: rows inserted with explicit ids (a
 * restore, a hand fix) leave a sequence behind, and the next insert would then collide.
 */
async function advanceIdSequences(sql: AdoptSql): Promise<void> {
  for (const table of ALEMBIC_TABLE_NAMES) {
    const [{ sequence, max_id }] = await sql.all<{ sequence: string | null; max_id: number | null }>(
      `select pg_get_serial_sequence(?, 'id') as sequence, (select max(id) from ${sql.id(table)}) as max_id`,
      [sql.id(table)],
    );
    if (!sequence || max_id === null) continue;
    await sql.run(
      `select setval(?::regclass, greatest(?::bigint, (select case when is_called then last_value else 0 end from ${sequence})), true)`,
      [sequence, max_id],
    );
  }
}

async function dropKeysAndIndexes(sql: AdoptSql): Promise<void> {
  const constraints = await sql.all<{ table: string; name: string }>(
    'select t.relname as "table", c.conname as name from pg_constraint c join pg_class t on t.oid = c.conrelid ' +
      `where t.relnamespace = current_schema()::regnamespace and t.relname in (${TABLE_LIST}) and c.contype in ('f', 'u', 'c') ` +
      "order by (c.contype = 'f') desc, t.relname, c.conname",
  );
  for (const { table, name } of constraints) {
    await sql.run(`alter table ${sql.id(table)} drop constraint ${sql.id(name)}`);
  }
  const indexes = await sql.all<{ name: string }>(
    'select i.relname as name from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid ' +
      `where t.relnamespace = current_schema()::regnamespace and t.relname in (${TABLE_LIST}) and not x.indisprimary ` +
      'order by i.relname',
  );
  for (const { name } of indexes) await sql.run(`drop index ${sql.id(name)}`);
}
