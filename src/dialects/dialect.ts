import type { Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { CompiledQuery, DatabaseConnection } from 'kysely';
import type { Dialect, OpenDatabaseOptions } from '../database/options.js';
import type { ParsedDatabaseUrl } from '../database/parse-database-url.js';
import type { LifecycleSql } from './lifecycle-sql.js';
import type { MigrationSql } from './migration-sql.js';
import type { TenantSql } from './tenant-sql.js';

/**
 * How the library opens a database for a migration run, beyond what the caller's options say.
 *
 * @example
 * await dialectNamed('sqlite').ormOptions(parsed, options, { keepJournalMode: true });
 */
export interface OpeningMode {
  /**
   * SQLite: leave the file's journal mode as it is: the run switches it to WAL only once it has
   * written (`migrations.afterWritingRun`), so a refused or failed run leaves the file as it was.
   */
  keepJournalMode?: boolean;
}

/** A row lock a statement can take; see {@link SqlDialect.rowLock}. */
export type RowLockMode = 'update' | 'no key update' | 'share' | 'key share';

/** How a statement is sent: see {@link SqlDialect.compile}. */
export interface CompileOptions {
  /**
   * PostgreSQL: run it as a named prepared statement (parsed and planned once per connection).
   * False for statements whose best plan depends on their parameters, and for every statement
   * when the database was opened with `preparedStatements: false`. No effect on SQLite.
   */
  prepare: boolean;
}

/**
 * Everything that differs between SQLite and PostgreSQL, behind one interface: the rest of the
 * library asks its dialect module and never which database it is on. One module per dialect
 * (`src/dialects/sqlite/`, `src/dialects/postgresql/`), with the same file names in each.
 */
export interface SqlDialect {
  readonly name: Dialect;
  /**
   * The statement that begins every transaction of the library: `begin immediate` on SQLite (the
   * write lock first, so a transaction that reads before it writes never fails its upgrade with
   * SQLITE_BUSY, which the busy timeout does not cover), `begin` on PostgreSQL.
   */
  readonly beginStatement: string;
  /** One statement written with `?` placeholders, as the driver receives it. */
  compile(sql: string, params: readonly unknown[], options: CompileOptions): CompiledQuery;
  /** Whether `error` is a prepared statement that a schema change by another process made stale. */
  isStalePlan(error: unknown): boolean;
  /**
   * Whether `error` says the connection itself was lost or could not be made (PostgreSQL: the
   * server ended the session or is down); the executor reports it as MikroORM's ConnectionException.
   * Never on SQLite, whose connection is a file handle in the process.
   */
  isConnectionLost(error: unknown): boolean;
  /**
   * The clause that locks the rows a `select` reads until the transaction ends (` for update`, …)
   * on PostgreSQL; empty on SQLite, where `begin immediate` already holds the database's one write lock.
   */
  rowLock(mode: RowLockMode): string;
  /**
   * An expression giving `column` (a timestamp) as sortable ISO-8601 UTC text with every digit the
   * database holds: PostgreSQL keeps microseconds, which a JavaScript Date would drop and so break a
   * keyset cursor on rows written by other clients. SQLite stores that text already.
   */
  timestampText(column: string): string;
  /** A Date as a timestamp column stores it: ISO-8601 UTC text on SQLite, the Date itself for pg's timestamptz. */
  timestampValue(date: Date): string | Date;
  /**
   * Undefined when the connection `em` runs on is known to have the settings the library needs (a
   * connection it opened, a host transaction checked before, every PostgreSQL connection); else a
   * function that checks them through `run` and applies what is missing, or refuses with an
   * OverlayDbError. The executor calls it at the start of each call on the connection. SQLite: a
   * host's own MikroORM connection needs foreign keys on and a busy timeout of at least the default.
   */
  connectionSetup(em: SqlEntityManager): ConnectionSetup | undefined;
  /** The tenant scope's dialect SQL. */
  readonly tenant: TenantSql;
  /** The lifecycle code's dialect SQL (record-run, labels, health, notifications). */
  readonly lifecycle: LifecycleSql;
  /** The migration runner's, lock's and adopt's dialect SQL. */
  readonly migrations: MigrationSql;
  /**
   * MikroORM options that open this dialect's database for `openDatabase`; `opening` says how a
   * migration run opens it (SQLite: the file's journal mode kept until the run has written).
   */
  ormOptions(parsed: ParsedDatabaseUrl, options: OpenDatabaseOptions, opening?: OpeningMode): Promise<Partial<Options>>;
  /**
   * How the executor holds a connection of this database for a transaction or a call of several
   * statements without going through Kysely's per-statement machinery, when the Kysely dialect in
   * `driverOptions` (MikroORM's `config.get('driverOptions')`) is this library's own; undefined
   * otherwise (and the executor uses Kysely's `connection()`).
   */
  leaseOf?(driverOptions: unknown): ConnectionLease | undefined;
  /** Read replicas' SQL (PostgreSQL); undefined where the dialect has no replicas. */
  readonly replica?: ReplicaSql;
}

/**
 * What the executor's read routing asks a replica and its primary (see src/executor/replica-routing.ts).
 *
 * @example
 * const [{ position }] = await query(em, dialect.replica.primaryPosition);
 */
export interface ReplicaSql {
  /** One row, `position`: the primary's WAL position now, as text. */
  readonly primaryPosition: string;
  /** One row, `caught_up`: whether the replica has replayed up to the position given as `?`. */
  readonly caughtUp: string;
  /** Whether `error` means the server is unreachable or dropped the connection (not a refused statement). */
  isConnectionFailure(error: unknown): boolean;
}

/** A connection held for one unit of work (see {@link SqlDialect.leaseOf}). */
export interface HeldConnection {
  readonly connection: DatabaseConnection;
  release(): Promise<void>;
}

/** Hands out a connection, or undefined until Kysely has opened the database. */
export type ConnectionLease = () => Promise<HeldConnection> | undefined;

/** Runs one statement of a {@link ConnectionSetup} on the connection being set up, and returns its rows. */
export type SetupStatement = (sql: string) => Promise<Record<string, unknown>[]>;

/** Checks a connection's settings and applies what is missing (see {@link SqlDialect.connectionSetup}). */
export type ConnectionSetup = (run: SetupStatement) => Promise<void>;
