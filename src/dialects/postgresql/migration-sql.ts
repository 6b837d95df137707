import type { ParsedDatabaseUrl } from '../../database/parse-database-url.js';
import { MigrationError } from '../../errors.js';
import type { AlembicSchema } from '../../migrations/adopt/alembic-revision.js';
import type { MigrationStatements } from '../../migrations/migration-statements.js';
import type { MigrationSql } from '../migration-sql.js';

/** A stable 64-bit advisory-lock key: the first 8 bytes of sha1("overlay_db_migrations"), fixed. */
const LOCK_KEY = '7345261109384117431';

function tableList(schema: AlembicSchema): string {
  return schema.tableNames.map((t) => `'${t}'`).join(', ');
}

// The revision's foreign keys, unique constraints and indexes go (it had duplicates and keys not
// named by us); the initial migration's own statements make them again.
async function dropKeysAndIndexes(sql: MigrationStatements, schema: AlembicSchema): Promise<void> {
  const constraints = await sql.all<{ table: string; name: string }>(
    'select t.relname as "table", c.conname as name from pg_constraint c join pg_class t on t.oid = c.conrelid ' +
      `where t.relnamespace = current_schema()::regnamespace and t.relname in (${tableList(schema)}) and c.contype in ('f', 'u', 'c') ` +
      "order by (c.contype = 'f') desc, t.relname, c.conname",
  );
  for (const { table, name } of constraints) {
    await sql.run(`alter table ${sql.id(table)} drop constraint ${sql.id(name)}`);
  }
  const indexes = await sql.all<{ name: string }>(
    'select i.relname as name from pg_index x join pg_class i on i.oid = x.indexrelid join pg_class t on t.oid = x.indrelid ' +
      `where t.relnamespace = current_schema()::regnamespace and t.relname in (${tableList(schema)}) and not x.indisprimary ` +
      'order by i.relname',
  );
  for (const { name } of indexes) await sql.run(`drop index ${sql.id(name)}`);
}

// Rows inserted with explicit ids (a restore, a hand fix) leave a sequence behind, and the next
// insert would then collide: each id sequence moves past the highest id, never back.
async function advanceIdSequences(sql: MigrationStatements, schema: AlembicSchema): Promise<void> {
  for (const table of schema.tableNames) {
    const [{ sequence, max_id }] = await sql.all<{ sequence: string | null; max_id: number | null }>(
      `select pg_get_serial_sequence(?, 'id') as sequence, (select max(${sql.id('id')}) from ${sql.id(table)}) as max_id`,
      [sql.id(table)],
    );
    if (!sequence || max_id === null) continue;
    await sql.run(
      `select setval(?::regclass, greatest(?::bigint, (select case when is_called then last_value else 0 end from ${sequence})), true)`,
      [sequence, max_id],
    );
  }
}

// The revision's PostgreSQL tables are altered in place, keeping every row, id and sequence:
// `varchar` becomes `text`, JSON text `jsonb`, the enum types `text` + CHECK (the types are
// dropped); steps and health_logs get `company_id` from each row's workflow; then the migration's
// own index, unique and foreign-key statements run, so names and delete rules are exactly its.
async function adoptTables(
  sql: MigrationStatements,
  schema: AlembicSchema,
  initialSchemaSql: readonly string[],
): Promise<void> {
  await dropKeysAndIndexes(sql, schema);

  const varchars = await sql.all<{ table_name: string; column_name: string }>(
    'select table_name, column_name from information_schema.columns ' +
      `where table_schema = current_schema() and table_name in (${tableList(schema)}) and data_type = 'character varying' ` +
      'order by table_name, ordinal_position',
  );
  for (const { table_name, column_name } of varchars) {
    await sql.run(`alter table ${sql.id(table_name)} alter column ${sql.id(column_name)} type text`);
  }

  for (const { table, column, pgType, values, default: fallback } of schema.enumColumns) {
    const t = sql.id(table);
    const c = sql.id(column);
    await sql.run(`alter table ${t} alter column ${c} drop default`);
    await sql.run(`alter table ${t} alter column ${c} type text using ${c}::text`);
    if (fallback) await sql.run(`alter table ${t} alter column ${c} set default ${fallback}`);
    const allowed = values.map((v) => `'${v}'`).join(', ');
    await sql.run(`alter table ${t} add constraint ${sql.id(`${table}_${column}_check`)} check (${c} in (${allowed}))`);
    await sql.run(`drop type if exists ${sql.id(pgType)}`);
  }

  for (const table of schema.tableNames) {
    for (const { column, default: fallback } of schema.jsonColumns[table] ?? []) {
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

  for (const table of schema.tenantBackfillTables) {
    const t = sql.id(table);
    const companyId = sql.id('company_id');
    await sql.run(`alter table ${t} add column ${companyId} int null`);
    await sql.run(
      `update ${t} set ${companyId} = w.${companyId} from ${sql.id('workflows')} w where w.${sql.id('id')} = ${t}.${sql.id('workflow_id')}`,
    );
    await sql.run(`alter table ${t} alter column ${companyId} set not null`);
  }

  for (const statement of initialSchemaSql) {
    if (!/^\s*create table\b/i.test(statement)) await sql.run(statement);
  }
  await advanceIdSequences(sql, schema);
}

/**
 * The migration SQL of PostgreSQL.
 *
 * @example
 * postgresqlMigrationSql.lockStatements.at(-1); // 'select pg_advisory_xact_lock(…) as locked'
 */
export const postgresqlMigrationSql: MigrationSql = Object.freeze({
  createBookkeepingTable: (table: string) =>
    `create table if not exists ${table} (name varchar(255) not null primary key, applied_at timestamptz not null)`,
  tableExists:
    'select 1 as found from information_schema.tables where table_schema = current_schema() and table_name = ?',
  listTables:
    'select table_name as name from information_schema.tables where table_schema = current_schema() order by table_name',
  listColumns:
    'select column_name as name from information_schema.columns where table_schema = current_schema() and table_name = ?',
  lockStatements: Object.freeze([
    // A killed client's backend otherwise finishes its running statement before the lock is
    // released; checking the socket every 500 ms frees the lock promptly (PostgreSQL 14+).
    "select case when current_setting('server_version_num')::int >= 140000 " +
      "then set_config('client_connection_check_interval', '500ms', true) end as checked",
    // Transaction-scoped: COMMIT or ROLLBACK releases it, so a killed process never leaves it held.
    `select pg_advisory_xact_lock(${LOCK_KEY}) as locked`,
  ]),
  // Foreign keys act per statement and DDL never cascades: nothing to suspend.
  foreignKeys: null,
  nowDefaultSql: 'current_timestamp',
  // The original enforced its enums, foreign keys and JSON on PostgreSQL; adoptTables' casts
  // refuse what slipped through.
  assertRowsAdoptable: async () => undefined,
  adoptTables,
  commandLineUrl: (url: string) => url,
  urlSecrets(parsed: ParsedDatabaseUrl): string[] {
    return parsed.dialect === 'postgresql' ? [parsed.password] : [];
  },

  // Connecting creates nothing and changes no setting of the database: the runner reads it.
  readAtRest: async () => undefined,

  // A connection changes no setting of the database, so a run leaves nothing to switch afterwards.
  afterWritingRun: Object.freeze([]),
  commandLineOptions: Object.freeze({ preparedStatements: false }),
});
