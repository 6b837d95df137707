import type { Transaction } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/sql';
import { INITIAL_MIGRATION } from '../../migrations/index.js';
import type { Dialect } from '../database/options.js';
import { adoptSql } from './adopt/adopt-sql.js';
import { ALEMBIC_REVISION, ALEMBIC_VERSION_TABLE } from './adopt/alembic-revision.js';
import { alterPostgresqlTables } from './adopt/alter-postgresql-tables.js';
import { assertAdoptableSchema } from './adopt/assert-adoptable-schema.js';
import { assertSqliteRowsAdoptable } from './adopt/assert-sqlite-rows-adoptable.js';
import { normalizeEmails } from './adopt/normalize-emails.js';
import { rebuildSqliteTables } from './adopt/rebuild-sqlite-tables.js';

/**
 * What {@link MigrationRunner.adopt} did: whether a database made by the Python backend's Alembic
 * migrations was taken over, and from which revision. Adopting a database that is already ours is
 * a no-op that reports `adopted: false`.
 *
 * @example
 * const { adopted, fromRevision }: AdoptResult = await db.migrator.adopt();
 * if (adopted) console.log(`took over Alembic revision ${fromRevision}`);
 */
export interface AdoptResult {
  /** True when an Alembic database was taken over; false when the database was already ours. */
  adopted: boolean;
  /** The Alembic revision found, when one was. */
  fromRevision: string | null;
}

/** What adopt needs from the runner. @internal */
export interface AdoptContext {
  connection: AbstractSqlConnection;
  dialect: Dialect;
  trx: Transaction;
  /** The name of the bookkeeping table, which adopt must not mistake for a foreign table. */
  bookkeepingTable: string;
  record: (name: string) => Promise<void>;
  appliedNames: () => Promise<Set<string>>;
  /** The SQL of the initial migration's `up()`: adopt replays it so that the result is exactly that schema. */
  initialSchemaSql: () => Promise<string[]>;
}

/**
 * Takes over a database made by the Python backend's Alembic revision 0acd3e6b9445, inside the
 * runner's locked migration transaction: a database that already records our initial migration
 * is left alone (`adopted: false`); anything but that revision with exactly its tables is
 * refused with a MigrationError before a write. Otherwise the tables become our initial
 * migration's with every row kept, `alembic_version` is dropped and the migration recorded.
 *
 * @example
 * const { adopted } = await db.migrator.adopt();   // the public way in
 * @internal
 */
export async function adoptAlembicDatabase(ctx: AdoptContext): Promise<AdoptResult> {
  const applied = await ctx.appliedNames();
  if (applied.has(INITIAL_MIGRATION)) return { adopted: false, fromRevision: null };

  const sql = adoptSql(ctx.connection, ctx.dialect, ctx.trx);
  await assertAdoptableSchema(sql, applied, ctx.bookkeepingTable);
  if (ctx.dialect === 'sqlite') await assertSqliteRowsAdoptable(sql);
  await normalizeEmails(sql);

  const initialSchemaSql = await ctx.initialSchemaSql();
  if (ctx.dialect === 'sqlite') await rebuildSqliteTables(sql, initialSchemaSql);
  else await alterPostgresqlTables(sql, initialSchemaSql);

  await sql.run(`drop table ${sql.id(ALEMBIC_VERSION_TABLE)}`);
  await ctx.record(INITIAL_MIGRATION);
  return { adopted: true, fromRevision: ALEMBIC_REVISION };
}
