import { MIGRATIONS_TABLE, type OpenDatabaseOptions } from '../database/options.js';
import { describeDatabase, type ParsedDatabaseUrl } from '../database/parse-database-url.js';
import { dialectNamed } from '../dialects/dialect-of.js';
import type { MigrationSql } from '../dialects/migration-sql.js';
import { entities } from '../entities/index.js';
import { DatabaseError, MigrationError } from '../errors.js';
import { ALEMBIC_VERSION_TABLE } from './adopt/alembic-revision.js';
import type { MigrationStatements } from './migration-statements.js';

/** What decides whether the runner may work on a database: its tables and Alembic revisions. @internal */
export interface StoredSchema {
  tables: readonly string[];
  /** The rows of `alembic_version`, or null when the database has no such table. */
  alembicRevisions: readonly string[] | null;
}

/**
 * Reads the tables of the database and, if it has `alembic_version`, its revisions. Reads only. @internal
 *
 * @example
 * const schema = await readStoredSchema(sql, dialectOfEm(em).migrations);
 */
export async function readStoredSchema(sql: MigrationStatements, dialect: MigrationSql): Promise<StoredSchema> {
  const tables = (await sql.all<{ name: string }>(dialect.listTables)).map((r) => r.name);
  if (!tables.includes(ALEMBIC_VERSION_TABLE)) return { tables, alembicRevisions: null };
  const rows = await sql.all<{ version_num: string }>(
    `select ${sql.id('version_num')} as version_num from ${sql.id(ALEMBIC_VERSION_TABLE)}`,
  );
  return { tables, alembicRevisions: rows.map((r) => r.version_num) };
}

/**
 * Why the runner must not work on a database, or undefined: one made by the Python backend
 * (until `adopt` takes it over), and, for a run that writes, one that has tables named as ours
 * but no bookkeeping table (the initial migration would collide with them). @internal
 *
 * @example
 * const refusal = migrationRefusal(schema, { writing: true });
 * if (refusal) throw refusal;
 */
export function migrationRefusal(schema: StoredSchema, { writing }: { writing: boolean }): MigrationError | undefined {
  if (schema.alembicRevisions !== null) {
    const revision = schema.alembicRevisions.length === 0 ? 'none recorded' : schema.alembicRevisions.join(', ');
    return new MigrationError(
      `This database was made by the Python backend (Alembic revision ${revision}): nothing was changed. ` +
        'Take it over once with `overlay-db adopt` (or `db.migrator.adopt()`), then upgrade',
    );
  }
  if (!writing || schema.tables.includes(MIGRATIONS_TABLE)) return undefined;
  const clashing = entities.map((e) => e.meta.tableName).filter((t) => schema.tables.includes(t));
  if (clashing.length === 0) return undefined;
  return new MigrationError(
    `This database has tables named as this library's (${clashing.join(', ')}) but no ${MIGRATIONS_TABLE} ` +
      'table, so overlay-db did not make them and its migrations would collide with them: nothing was changed',
  );
}

/**
 * Reads the database before it is opened for writing (on SQLite, opening switches the file to
 * WAL) and refuses, changing nothing, what {@link migrationRefusal} refuses for a run that reads
 * or writes (adopt takes what it refuses) and, with `mustExist`, a SQLite path with no file (a
 * command that reads must not create one). Where only a connection can tell (PostgreSQL), the
 * migration runner refuses instead. @internal
 *
 * @example
 * await refuseBeforeMigrating(parseDatabaseUrl(url), options, { run: 'write', mustExist: false });
 */
export async function refuseBeforeMigrating(
  parsed: ParsedDatabaseUrl,
  options: OpenDatabaseOptions,
  check: { run: 'read' | 'write' | 'adopt'; mustExist: boolean },
): Promise<void> {
  const migrations = dialectNamed(parsed.dialect).migrations;
  const atRest = await migrations.readAtRest(parsed, options, (sql) => readStoredSchema(sql, migrations));
  if (atRest === undefined) return;
  if (!atRest.exists) {
    if (check.mustExist) throw new DatabaseError(`no database at ${describeDatabase(parsed).where}`);
    return;
  }
  if (check.run === 'adopt') return;
  const refusal = migrationRefusal(atRest.found, { writing: check.run === 'write' });
  if (refusal) throw refusal;
}
