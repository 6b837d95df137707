import { INITIAL_MIGRATION } from '../../migrations/index.js';
import type { MigrationSql } from '../dialects/migration-sql.js';
import { ALEMBIC_REVISION, ALEMBIC_SCHEMA, ALEMBIC_VERSION_TABLE } from './adopt/alembic-revision.js';
import { assertAdoptableSchema } from './adopt/assert-adoptable-schema.js';
import { normalizeEmails } from './adopt/normalize-emails.js';
import type { MigrationStatements } from './migration-statements.js';

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
  /** Statements inside the runner's locked migration transaction. */
  sql: MigrationStatements;
  /** The dialect's migration SQL. */
  dialect: MigrationSql;
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
  const { sql, dialect } = ctx;
  const applied = await ctx.appliedNames();
  if (applied.has(INITIAL_MIGRATION)) return { adopted: false, fromRevision: null };

  await assertAdoptableSchema(sql, dialect, applied, ctx.bookkeepingTable);
  await dialect.assertRowsAdoptable(sql, ALEMBIC_SCHEMA);
  await normalizeEmails(sql);
  await dialect.adoptTables(sql, ALEMBIC_SCHEMA, await ctx.initialSchemaSql());

  await sql.run(`drop table ${sql.id(ALEMBIC_VERSION_TABLE)}`);
  await ctx.record(INITIAL_MIGRATION);
  return { adopted: true, fromRevision: ALEMBIC_REVISION };
}
