import { existsSync } from 'node:fs';
import { DEFAULT_BUSY_TIMEOUT_MS, type OpenDatabaseOptions } from '../../database/options.js';
import type { ParsedDatabaseUrl } from '../../database/parse-database-url.js';
import { MigrationError } from '../../errors.js';
import type { AlembicSchema, AlembicTable } from '../../migrations/adopt/alembic-revision.js';
import type { MigrationStatements } from '../../migrations/migration-statements.js';
import type { DatabaseAtRest, MigrationSql } from '../migration-sql.js';
import { openSqlite, resolveSqliteDriver, sqliteDriverFromEnvironment } from './open-sqlite.js';
import { SQLITE_WAL_PRAGMAS } from './pragmas.js';

/** The expression that turns a SQLite time string into `YYYY-MM-DDTHH:MM:SS.sssZ` UTC, or NULL. */
function isoTimestampSql(column: string): string {
  return `strftime('%Y-%m-%dT%H:%M:%fZ', ${column})`;
}

function refuse(reason: string): MigrationError {
  return new MigrationError(`Cannot adopt: ${reason}`);
}

// The original enforced nothing on SQLite: not its enums, not its foreign keys (so a row can
// name a parent that is gone), not JSON, not timestamps. Each finding names the table, the column
// and how many rows, so the operator can fix them and adopt again.
async function assertRowsAdoptable(sql: MigrationStatements, schema: AlembicSchema): Promise<void> {
  for (const { table, column, values } of schema.enumColumns) {
    const c = sql.id(column);
    const rows = await sql.all<{ value: unknown; n: number }>(
      `select ${c} as value, count(*) as n from ${sql.id(table)} ` +
        `where ${c} is null or ${c} not in (${values.map(() => '?').join(', ')}) group by ${c} limit 5`,
      [...values],
    );
    if (rows.length > 0) {
      const found = rows.map((r) => `${JSON.stringify(r.value)} (${r.n} row(s))`).join(', ');
      throw refuse(`${table}.${column} holds values other than ${values.join(', ')}: ${found}`);
    }
  }

  for (const table of schema.tableNames) {
    for (const column of schema.timestampColumns[table]) {
      const c = sql.id(column);
      const [{ n }] = await sql.all<{ n: number }>(
        `select count(*) as n from ${sql.id(table)} where ${c} is not null and ${isoTimestampSql(c)} is null`,
      );
      if (n > 0) throw refuse(`${table}.${column} holds ${n} value(s) that are not timestamps`);
    }
    for (const { column } of schema.jsonColumns[table] ?? []) {
      const c = sql.id(column);
      const [{ n }] = await sql.all<{ n: number }>(
        `select count(*) as n from ${sql.id(table)} where ${c} is not null and not json_valid(${c})`,
      );
      if (n > 0) throw refuse(`${table}.${column} holds ${n} value(s) that are not valid JSON`);
    }
  }

  const violations = await sql.all<{ table: string; parent: string; fkid: number }>('pragma foreign_key_check');
  if (violations.length === 0) return;
  const counts = new Map<string, number>();
  for (const v of violations) {
    const keys = await sql.all<{ id: number; from: string }>('select id, "from" from pragma_foreign_key_list(?)', [
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

// SQLite cannot change a column's type, add a CHECK or make an id AUTOINCREMENT in place: the old
// tables are renamed aside, the initial migration creates ours under their names (so the stored
// schema is exactly a fresh migration's), every row is copied with its id (timestamps as ISO-8601
// UTC, `company_id` from the row's workflow) and the old tables are dropped. Foreign keys are off
// in the runner's migration transaction, so the drops cannot cascade; it checks them before commit.
async function adoptTables(
  sql: MigrationStatements,
  schema: AlembicSchema,
  initialSchemaSql: readonly string[],
): Promise<void> {
  const aside = (table: AlembicTable) => sql.id(`${table}__alembic_${schema.revision}`);
  for (const table of schema.tableNames) await sql.run(`alter table ${sql.id(table)} rename to ${aside(table)}`);
  for (const statement of initialSchemaSql) await sql.run(statement);
  for (const table of schema.tableNames) {
    const columns = schema.tables[table];
    const timestamps = schema.timestampColumns[table];
    const targets = columns.map((c) => sql.id(c));
    const values = columns.map((c) => (timestamps.includes(c) ? isoTimestampSql(`o.${sql.id(c)}`) : `o.${sql.id(c)}`));
    if (schema.tenantBackfillTables.includes(table)) {
      targets.push(sql.id('company_id'));
      values.push(
        `(select w.${sql.id('company_id')} from ${aside('workflows')} w where w.${sql.id('id')} = o.${sql.id('workflow_id')})`,
      );
    }
    await sql.run(
      `insert into ${sql.id(table)} (${targets.join(', ')}) select ${values.join(', ')} from ${aside(table)} o order by o.${sql.id('id')}`,
    );
  }
  for (const table of [...schema.tableNames].reverse()) await sql.run(`drop table ${aside(table)}`);
}

// The library's connections switch a file to WAL as they open (pragmas.ts), which rewrites its
// header: a database that is then refused would not be left as it was. So the file is read first
// on a bare connection of the same driver, without those pragmas and with writes refused
// (query_only), and only if it exists: opening a missing path would create it.
async function readAtRest<T>(
  parsed: ParsedDatabaseUrl,
  options: OpenDatabaseOptions,
  read: (sql: MigrationStatements) => Promise<T>,
): Promise<DatabaseAtRest<T> | undefined> {
  if (parsed.dialect !== 'sqlite' || parsed.path === ':memory:') return undefined;
  if (!existsSync(parsed.path)) return { exists: false };
  let connection: ReturnType<typeof openSqlite> | undefined;
  try {
    const driver = resolveSqliteDriver(options.sqliteDriver ?? sqliteDriverFromEnvironment());
    const opened = openSqlite(driver, parsed.path, options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS);
    connection = opened;
    opened.prepare('pragma query_only = true').run([]);
    const sql: MigrationStatements = {
      all: async <R>(text: string, params: readonly unknown[] = []) => opened.prepare(text).all(params) as R[],
      run: async (text: string, params: readonly unknown[] = []) => {
        opened.prepare(text).run(params);
      },
      id: (name: string) => `"${name.replace(/"/g, '""')}"`,
    };
    return { exists: true, found: await read(sql) };
  } catch {
    // Not readable as a database (or busy): the open that follows reports why.
    return undefined;
  } finally {
    connection?.close();
  }
}

/**
 * The migration SQL of SQLite.
 *
 * @example
 * sqliteMigrationSql.lockStatements; // [] (begin immediate holds the write lock)
 */
export const sqliteMigrationSql: MigrationSql = Object.freeze({
  createBookkeepingTable: (table: string) =>
    `create table if not exists ${table} (name varchar(255) not null primary key, applied_at text not null)`,
  tableExists: "select 1 as found from sqlite_master where type = 'table' and name = ?",
  listTables:
    "select name from sqlite_master where type in ('table', 'view') and name not like 'sqlite\\_%' escape '\\' order by name",
  listColumns: 'select name from pragma_table_info(?)',
  lockStatements: Object.freeze([]),
  // `foreign_keys` is a setting of the connection, changed outside a transaction only. Since
  // SQLite 3.26, `alter table companies rename to …` also rewrites every table's reference to
  // companies (a host's too) to the new name, so a rebuild that renames the old table aside (as
  // adopt does) would leave them naming a dropped table; `legacy_alter_table` keeps them as written.
  foreignKeys: Object.freeze({
    off: 'pragma foreign_keys = off',
    on: 'pragma foreign_keys = on',
    state: 'pragma foreign_keys',
    violations: 'pragma foreign_key_check',
    pinReferences: 'pragma legacy_alter_table = on',
    unpinReferences: 'pragma legacy_alter_table = off',
  }),
  // The ISO-8601 UTC text the library writes, not CURRENT_TIMESTAMP's `YYYY-MM-DD HH:MM:SS`.
  nowDefaultSql: "(strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))",
  assertRowsAdoptable,
  adoptTables,

  afterWritingRun: SQLITE_WAL_PRAGMAS,
  commandLineOptions: Object.freeze({}),

  // Relative paths resolve against the caller's directory, like the Python backend's.
  commandLineUrl(url: string, parsed: ParsedDatabaseUrl): string {
    if (parsed.dialect !== 'sqlite' || parsed.path === ':memory:') return url;
    return `sqlite:///${parsed.path}`;
  },

  urlSecrets(_parsed: ParsedDatabaseUrl): string[] {
    return [];
  },

  readAtRest,
});
