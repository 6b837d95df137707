import type { OpenDatabaseOptions } from '../database/options.js';
import type { ParsedDatabaseUrl } from '../database/parse-database-url.js';
import type { AlembicSchema } from '../migrations/adopt/alembic-revision.js';
import type { MigrationStatements } from '../migrations/migration-statements.js';

/**
 * How a database keeps foreign keys from acting while a migration runs: the statements the
 * runner sends on its one held connection around the migration's transaction.
 *
 * @example
 * const suspension = dialectOfEm(em).migrations.foreignKeys; // null on PostgreSQL
 */
export interface ForeignKeySuspension {
  /** Before `begin`: foreign keys off, so a table rebuild's `drop table` cannot cascade. */
  readonly off: string;
  /** After the transaction ended: foreign keys on again. */
  readonly on: string;
  /** One row whose only column is 1 when foreign keys are on. */
  readonly state: string;
  /** Before `commit`: one row per reference that names a missing parent. */
  readonly violations: string;
  /**
   * With `off`: renaming a table leaves other tables' references naming it as they are, so a
   * table rebuilt under its own name (renamed aside, made again, copied, dropped) keeps every
   * reference to it, a host's table's included.
   */
  readonly pinReferences: string;
  /** With `on`: renames rewrite references again (the connection's default). */
  readonly unpinReferences: string;
}

/**
 * A database read before the library opens it for writing: it has no file yet, or what `read` found.
 *
 * @example
 * const atRest = await dialectNamed('sqlite').migrations.readAtRest(parsed, {}, readSchema);
 */
export type DatabaseAtRest<T> = { exists: false } | { exists: true; found: T };

/**
 * The SQL of the migration code (runner, lock, adopt, schema check, CLI) that differs between
 * SQLite and PostgreSQL. Implemented once per dialect in `sqlite/migration-sql.ts` and
 * `postgresql/migration-sql.ts`; identifiers are quoted by the caller with MikroORM's
 * `platform.quoteIdentifier`.
 *
 * @example
 * await query(em, dialectOfEm(em).migrations.tableExists, ['overlay_db_migrations']);
 */
export interface MigrationSql {
  /** `create table if not exists` of the bookkeeping table `(name, applied_at)`; `table` quoted. */
  createBookkeepingTable(table: string): string;
  /** One row when a table named by the one parameter exists in the current schema. */
  readonly tableExists: string;
  /** The current schema's tables and views as rows `{ name }`, by name; the database's own left out. */
  readonly listTables: string;
  /** The columns of the table named by the one parameter, as rows `{ name }`. */
  readonly listColumns: string;
  /**
   * Statements sent right after `begin` that take the cross-process migration lock until the
   * transaction ends: PostgreSQL's transaction-scoped advisory lock; none on SQLite, whose
   * `begin immediate` holds the one write lock already.
   */
  readonly lockStatements: readonly string[];
  /** How foreign keys are kept from acting during a migration, or null where DDL never cascades. */
  readonly foreignKeys: ForeignKeySuspension | null;
  /** The SQL default of a timestamp column set at insert, in the form the library writes. */
  readonly nowDefaultSql: string;
  /** Refuses, before any write, a database of revision 0acd3e6b9445 whose rows our schema would reject. */
  assertRowsAdoptable(sql: MigrationStatements, schema: AlembicSchema): Promise<void>;
  /**
   * Turns the revision's tables into the initial migration's (`initialSchemaSql`) with every row,
   * id and sequence kept, inside the runner's locked transaction.
   */
  adoptTables(sql: MigrationStatements, schema: AlembicSchema, initialSchemaSql: readonly string[]): Promise<void>;
  /**
   * Statements for a connection opened with `keepJournalMode` once a migration run on it has
   * committed: SQLite switches the file to WAL; none on PostgreSQL.
   */
  readonly afterWritingRun: readonly string[];
  /**
   * Open options of the CLI's migration runs on this dialect. PostgreSQL: statements unnamed (a run
   * is a handful of statements, and a deploy script's URL is often a pooler in transaction mode,
   * where the names of the last run may still be taken); none on SQLite, which has no named
   * statements to turn off.
   */
  readonly commandLineOptions: Readonly<{ preparedStatements?: boolean }>;
  /** The URL the CLI opens for `url`: a SQLite file's path made absolute (as `parsed` resolved it). */
  commandLineUrl(url: string, parsed: ParsedDatabaseUrl): string;
  /** The secrets of a URL that the CLI must never print (PostgreSQL's password). */
  urlSecrets(parsed: ParsedDatabaseUrl): string[];
  /**
   * Runs `read` on the database without writing or creating anything, before it is opened for
   * writing (SQLite: a connection without the library's pragmas, writes refused, and none at all
   * when the file is missing). Undefined where only an open connection can tell (PostgreSQL, where
   * opening changes nothing, so the migration runner reads instead) or the database cannot be
   * read (the open that follows reports why).
   */
  readAtRest<T>(
    parsed: ParsedDatabaseUrl,
    options: OpenDatabaseOptions,
    read: (sql: MigrationStatements) => Promise<T>,
  ): Promise<DatabaseAtRest<T> | undefined>;
}
