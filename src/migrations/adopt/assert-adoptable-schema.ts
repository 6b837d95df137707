import { INITIAL_MIGRATION } from '../../../migrations/index.js';
import type { MigrationSql } from '../../dialects/migration-sql.js';
import { MigrationError } from '../../errors.js';
import type { MigrationStatements } from '../migration-statements.js';
import { ALEMBIC_REVISION, ALEMBIC_TABLE_NAMES, ALEMBIC_TABLES, ALEMBIC_VERSION_TABLE } from './alembic-revision.js';

/**
 * Refuses, with a MigrationError that says what was found, every database but one at Alembic
 * revision 0acd3e6b9445 with exactly that revision's tables and columns: an empty database,
 * another revision, unknown or missing tables or columns. Reads only.
 *
 * @example
 * await assertAdoptableSchema(sql, dialectOfEm(em).migrations, applied, 'overlay_db_migrations');
 */
export async function assertAdoptableSchema(
  sql: MigrationStatements,
  dialect: MigrationSql,
  applied: ReadonlySet<string>,
  bookkeepingTable: string,
): Promise<void> {
  if (applied.size > 0) {
    throw refuse(
      `the bookkeeping table ${bookkeepingTable} records ${[...applied].join(', ')} but not ${INITIAL_MIGRATION}`,
    );
  }
  const tables = (await listTables(sql, dialect)).filter((t) => t !== bookkeepingTable);
  if (tables.length === 0) {
    throw refuse(
      'the database is empty, so there is nothing to take over; create the schema with up() ' +
        '(`overlay-db upgrade head`) instead',
    );
  }
  if (!tables.includes(ALEMBIC_VERSION_TABLE)) {
    throw refuse(
      `the database is neither empty, nor managed by this library, nor at Alembic revision ${ALEMBIC_REVISION}: ` +
        `it has the tables ${list(tables)} and no ${ALEMBIC_VERSION_TABLE}`,
    );
  }

  const revisions = (
    await sql.all<{ version_num: string }>(`select ${sql.id('version_num')} from ${sql.id(ALEMBIC_VERSION_TABLE)}`)
  ).map((r) => r.version_num);
  if (revisions.length !== 1 || revisions[0] !== ALEMBIC_REVISION) {
    const found =
      revisions.length === 0
        ? 'at Alembic base (alembic_version is empty)'
        : `at Alembic revision ${revisions.join(', ')}`;
    throw refuse(
      `the database is ${found}, and adopt takes over only revision ${ALEMBIC_REVISION} ` +
        `("initial schema with all core tables"); bring it to ${ALEMBIC_REVISION} with Alembic first`,
    );
  }

  const expected = new Set<string>([ALEMBIC_VERSION_TABLE, ...ALEMBIC_TABLE_NAMES]);
  const unknown = tables.filter((t) => !expected.has(t));
  if (unknown.length > 0) {
    throw refuse(
      `the database has tables that revision ${ALEMBIC_REVISION} did not create: ${list(unknown)}; ` +
        'move or drop them first',
    );
  }
  const missing = ALEMBIC_TABLE_NAMES.filter((t) => !tables.includes(t));
  if (missing.length > 0) {
    throw refuse(`the database lacks tables that revision ${ALEMBIC_REVISION} created: ${list(missing)}`);
  }

  for (const table of ALEMBIC_TABLE_NAMES) {
    const columns = await listColumns(sql, dialect, table);
    const want: readonly string[] = ALEMBIC_TABLES[table];
    const extra = columns.filter((c) => !want.includes(c));
    const absent = want.filter((c) => !columns.includes(c));
    if (extra.length > 0 || absent.length > 0) {
      const parts = [
        extra.length ? `columns it did not create: ${list(extra)}` : '',
        absent.length ? `no ${list(absent)}` : '',
      ].filter(Boolean);
      throw refuse(`table ${table} differs from revision ${ALEMBIC_REVISION} (${parts.join('; ')})`);
    }
  }
}

async function listTables(sql: MigrationStatements, dialect: MigrationSql): Promise<string[]> {
  return (await sql.all<{ name: string }>(dialect.listTables)).map((r) => r.name);
}

async function listColumns(sql: MigrationStatements, dialect: MigrationSql, table: string): Promise<string[]> {
  return (await sql.all<{ name: string }>(dialect.listColumns, [table])).map((r) => r.name);
}

function list(names: readonly string[]): string {
  return names.join(', ');
}

function refuse(reason: string): MigrationError {
  return new MigrationError(`Cannot adopt: ${reason}`);
}
