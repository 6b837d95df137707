import { AsyncLocalStorage } from 'node:async_hooks';
import { DriverException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { DatabaseConnection, Kysely } from 'kysely';
import type { CompileOptions, HeldConnection, SqlDialect } from '../dialects/dialect.js';
import { requireDialect } from '../dialects/dialect-of.js';
import { DatabaseClosedError, OverlayDbError } from '../errors.js';
import { callsOf } from './in-flight.js';
import { noteWrite, replicaFailed, replicaFor } from './replica-routing.js';
import { LostConnectionException, retryTransient } from './retry.js';
import { statementObserver } from './statement-log.js';

// The one seam between this library and the database. Every statement the library runs
// (repositories, services, lifecycle, the migration runner's bookkeeping and lock) goes through
// `query`, and every transaction it opens through `transaction`, on a connection of MikroORM's
// Kysely layer through its public API: `em.getTransactionContext()` (a transaction the host or
// MikroORM runs), `em.getConnection().getClient()` (the pool) and Kysely's `connection()`,
// `executeQuery` and `CompiledQuery`. What differs between SQLite and PostgreSQL comes from the
// dialect module; logging observes this path and never changes it.

/** A parameter of a statement. A Buffer is bound as binary (bytea / blob). */
export type SqlParam = string | number | boolean | null | Buffer;

type AnyKysely = Kysely<any>;

interface Held {
  /** The pool the connection came from: a held connection serves only its own ORM. */
  pool: AnyKysely;
  /** The connection, as Kysely hands it out (`pool.connection()`), or as the dialect leases it. */
  connection: AnyKysely | DatabaseConnection;
  /** True inside {@link transaction}, false inside {@link withConnection} only. */
  transaction: boolean;
}

// One storage for every ORM: Node keeps each AsyncLocalStorage that has run in a global list
// walked on every new promise, so one per ORM or per call would make every await dearer.
const held = new AsyncLocalStorage<Held>();

/** The Kysely of `em`'s primary connection pool. */
function poolOf(em: SqlEntityManager): AnyKysely {
  return em.getConnection('write').getClient();
}

function heldOn(pool: AnyKysely): Held | undefined {
  const current = held.getStore();
  return current !== undefined && current.pool === pool ? current : undefined;
}

/** Where `em`'s statements run now, and whether that is inside a transaction. */
function target(em: SqlEntityManager): { db: AnyKysely | DatabaseConnection; inTransaction: boolean } {
  const hosts = em.getTransactionContext<AnyKysely>();
  if (hosts !== undefined) return { db: hosts, inTransaction: true };
  const pool = poolOf(em);
  const current = heldOn(pool);
  if (current !== undefined) return { db: current.connection, inTransaction: current.transaction };
  return { db: pool, inTransaction: false };
}

/**
 * The dialect module of `em`'s database.
 *
 * @example
 * const { name } = dialectOfEm(em); // 'sqlite' | 'postgresql'
 */
export function dialectOfEm(em: SqlEntityManager): SqlDialect {
  return requireDialect(em.getPlatform(), 'em');
}

/**
 * A failure below the library as MikroORM's exception tree has it, except that a lost connection
 * (the dialect says so: a terminated session, a server restarting or down) is a ConnectionException,
 * whatever the driver's own wording, so that it is reported as one. An OverlayDbError the dialect's
 * driver code threw on purpose (a prepared statement lost behind a pooler) stays itself: MikroORM
 * would wrap it in a generic DriverException.
 */
function driverError(em: SqlEntityManager, error: unknown): Error {
  if (error instanceof OverlayDbError) return error;
  return lostConnection(em, error) ?? em.getDriver().convertException(error as Error);
}

/** A raw driver error that says the connection was lost, as a ConnectionException; else undefined. */
function lostConnection(em: SqlEntityManager, error: unknown): LostConnectionException | undefined {
  if (error instanceof DriverException || error instanceof OverlayDbError) return undefined;
  return dialectOfEm(em).isConnectionLost(error) ? new LostConnectionException(error as Error) : undefined;
}

/** How one statement runs. */
export interface QueryOptions {
  /** PostgreSQL: run it as a named prepared statement (default true); see {@link CompileOptions}. */
  prepare?: boolean;
  /**
   * A read that decides no write (default false): outside a transaction or held connection it may
   * run on a read replica that has this database's writes, and falls back to the primary when the
   * replica cannot be reached (see replica-routing.ts). Every other statement counts as a write.
   */
  read?: boolean;
}

/**
 * The options of a read that decides no write: the tenant scope's plain reads (list, get, count,
 * summaries) pass it; see {@link QueryOptions.read}.
 *
 * @example
 * const rows = await query(em, 'select … from "workflows" where "company_id" = ?', [companyId], READ);
 */
export const READ: QueryOptions = Object.freeze({ read: true });

async function run<T>(
  em: SqlEntityManager,
  db: AnyKysely | DatabaseConnection,
  sql: string,
  params: readonly unknown[],
  options: CompileOptions,
): Promise<T[]> {
  // A call that db.close()'s bound ended runs nothing more on its connection but the rollback.
  if (callsOf(em.config)?.refuses(db, sql)) throw closedDuringCall();
  const dialect = dialectOfEm(em);
  const observer = statementObserver(em.config);
  const started = observer ? performance.now() : 0;
  try {
    const result = await (db as DatabaseConnection).executeQuery<T>(dialect.compile(sql, params, options));
    observer?.({ sql, params, durationMs: performance.now() - started, rows: result.rows.length });
    return result.rows as T[];
  } catch (error) {
    observer?.({ sql, params, durationMs: performance.now() - started, error });
    throw error;
  }
}

/**
 * Runs one statement written with `?` placeholders on `em`'s connection and returns its rows:
 * inside the transaction `em` is in (the host's or MikroORM's), else inside the library's
 * transaction or held connection running in this async context, else on a connection of the
 * pool. Driver errors come out as MikroORM's exceptions (`UniqueConstraintViolationException`, …).
 *
 * @example
 * const rows = await query<{ id: number }>(em, 'select "id" from "workflows" where "company_id" = ?', [companyId]);
 */
export async function query<T = Record<string, unknown>>(
  em: SqlEntityManager,
  sql: string,
  params: readonly unknown[] = [],
  options: QueryOptions = {},
): Promise<T[]> {
  const setup = settingsCheck(em);
  if (setup !== undefined) await setup;
  return queryOn<T>(em, sql, params, options);
}

/**
 * The dialect's check of a host connection's settings (SQLite: foreign keys on), run before the first
 * statement of each call on it; undefined on the library's own connections and inside a connection
 * or transaction the library holds already (checked when it was taken).
 */
function settingsCheck(em: SqlEntityManager): Promise<void> | undefined {
  const setup = dialectOfEm(em).connectionSetup(em);
  if (setup === undefined || heldOn(poolOf(em)) !== undefined) return undefined;
  return setup((sql) => queryOn(em, sql, [], { prepare: false }));
}

async function queryOn<T>(
  em: SqlEntityManager,
  sql: string,
  params: readonly unknown[],
  options: QueryOptions,
): Promise<T[]> {
  const { db, inTransaction } = target(em);
  // A statement of its own is a call of its own: refused once db.close() has begun (see in-flight.ts).
  const call = db === poolOf(em) ? callsOf(em.config)?.admit() : undefined;
  const running = statementVia<T>(em, db, inTransaction, sql, params, options);
  return call === undefined ? running : call.settle(running);
}

async function statementVia<T>(
  em: SqlEntityManager,
  db: AnyKysely | DatabaseConnection,
  inTransaction: boolean,
  sql: string,
  params: readonly unknown[],
  options: QueryOptions,
): Promise<T[]> {
  const compile = { prepare: options.prepare !== false };
  const onPool = db === poolOf(em);
  if (options.read && onPool) {
    const replica = replicaFor(em, runOn);
    if (replica !== undefined) return readOnReplica<T>(em, replica, db as AnyKysely, sql, params, compile);
  }
  // A statement of its own takes a leased connection where the dialect has one (see onConnection).
  const leased = onPool ? leaseOf(em)?.() : undefined;
  if (leased !== undefined) {
    let lease: HeldConnection;
    try {
      lease = await leased;
    } catch (error) {
      // The turn timed out ("database is locked"), as the statement itself would have on Kysely's path.
      throw driverError(em, error);
    }
    try {
      return await statementOn<T>(em, lease.connection, sql, params, compile, false);
    } finally {
      await lease.release();
    }
  }
  const rows = await statementOn<T>(em, db, sql, params, compile, inTransaction);
  // A write of its own has committed; a transaction's count when it commits.
  if (!options.read && !inTransaction) noteWrite(em);
  return rows;
}

/** One statement on `pool` for replica-routing's probes: logged and converted as every other. */
const runOn = (em: SqlEntityManager, pool: AnyKysely, sql: string, params: readonly unknown[]) =>
  statementOn<Record<string, unknown>>(em, pool, sql, params, { prepare: false }, false);

/** A read on the replica; on the replica's connection failure, the same read on the primary. */
async function readOnReplica<T>(
  em: SqlEntityManager,
  replica: AnyKysely,
  primary: AnyKysely,
  sql: string,
  params: readonly unknown[],
  compile: CompileOptions,
): Promise<T[]> {
  try {
    return await statementOn<T>(em, replica, sql, params, compile, false);
  } catch (error) {
    if (!replicaFailed(em, replica, error)) throw error;
    return statementOn<T>(em, primary, sql, params, compile, false);
  }
}

async function statementOn<T>(
  em: SqlEntityManager,
  db: AnyKysely | DatabaseConnection,
  sql: string,
  params: readonly unknown[],
  compile: CompileOptions,
  inTransaction: boolean,
): Promise<T[]> {
  try {
    return await run<T>(em, db, sql, params, compile);
  } catch (error) {
    // Outside a transaction, a statement prepared before another process changed the schema runs
    // again under its new name: the same as the call being made a moment later. Inside one it
    // aborted the transaction, which only the whole transaction can repeat.
    if (!inTransaction && dialectOfEm(em).isStalePlan(error)) {
      try {
        return await run<T>(em, db, sql, params, compile);
      } catch (again) {
        throw driverError(em, again);
      }
    }
    throw driverError(em, error);
  }
}

/**
 * Whether `em`'s statements run inside a transaction now (the host's, MikroORM's or the library's).
 *
 * @example
 * if (!inTransaction(em)) await query(em, 'select 1');
 */
export function inTransaction(em: SqlEntityManager): boolean {
  return target(em).inTransaction;
}

/** How a transaction runs. */
export interface TransactionOptions {
  /**
   * Run the whole transaction again when the database aborts it for a deadlock, a serialization
   * failure, a busy SQLite file or a stale prepared statement, or when its connection is lost
   * before COMMIT was sent (never during COMMIT) (default true, up to three runs):
   * `work` must then be safe to run again after a rollback.
   */
  retry?: boolean;
  /**
   * When `work` joins a running transaction, run it inside a savepoint of that transaction, so that
   * its failure (a duplicate email, a taken token) rolls back only what it did and leaves the
   * caller's transaction usable, as MikroORM's nested `em.transactional` does (default false:
   * the failure aborts the whole transaction, as a PostgreSQL error does).
   */
  savepoint?: boolean;
}

let savepoints = 0;

async function inSavepoint<T>(em: SqlEntityManager, work: () => Promise<T>): Promise<T> {
  savepoints = (savepoints % 1_000_000) + 1;
  const name = `"overlay_savepoint_${savepoints}"`;
  await query(em, `savepoint ${name}`, [], { prepare: false });
  let result: T;
  try {
    result = await work();
  } catch (error) {
    // If this fails too, the connection or the outer transaction is gone: the work's error is the news.
    await query(em, `rollback to savepoint ${name}`, [], { prepare: false })
      .then(() => query(em, `release savepoint ${name}`, [], { prepare: false }))
      .catch(() => undefined);
    throw error;
  }
  await query(em, `release savepoint ${name}`, [], { prepare: false });
  return result;
}

/**
 * Runs `work` in one transaction on one connection of `em`'s pool: `begin immediate` on SQLite,
 * `begin` on PostgreSQL; commit when `work` resolves, rollback when it throws. Every {@link query}
 * on `em` inside `work` runs on that connection. Inside a transaction already (the host's,
 * MikroORM's or an outer call of this), `work` joins it. Errors come out as they were thrown, driver
 * errors as MikroORM's exceptions. MikroORM's entity API must not be used inside: it would ask the
 * pool for a second connection (and wait forever for SQLite's only one).
 *
 * @example
 * await transaction(em, async () => { await query(em, 'update …', p1); await query(em, 'insert …', p2); });
 */
export async function transaction<T>(
  em: SqlEntityManager,
  work: () => Promise<T>,
  options: TransactionOptions = {},
): Promise<T> {
  const setup = settingsCheck(em);
  if (setup !== undefined) await setup;
  const joined = options.savepoint ? () => inSavepoint(em, work) : work;
  if (em.getTransactionContext() !== undefined) return joined();
  const pool = poolOf(em);
  const current = heldOn(pool);
  if (current?.transaction) return joined();
  // A transaction on a connection held already is part of that call; otherwise it is a call of its own.
  const call = current ? undefined : callsOf(em.config)?.admit();
  const once = current
    ? () => transactionOn(em, pool, current.connection, work)
    : () =>
        onConnection(em, pool, (connection, release) => {
          call?.hold(connection, true, release);
          return transactionOn(em, pool, connection, work);
        });
  const running = options.retry === false ? once() : retryTransient(once);
  return call === undefined ? running : call.settle(running);
}

/**
 * Runs `work` on a connection of `pool` held for it: one the dialect leases straight from its
 * driver where it can (SQLite on this library's Kysely dialect: one turn of the file, then every
 * statement goes to the connection itself, without Kysely's per-statement connection provider and
 * its allocations), else Kysely's `connection()`.
 */
async function onConnection<T>(
  em: SqlEntityManager,
  pool: AnyKysely,
  work: (connection: AnyKysely | DatabaseConnection, release?: () => Promise<void>) => Promise<T>,
): Promise<T> {
  const leased = leaseOf(em)?.();
  if (leased === undefined) {
    // A connection the pool could not make (the server down or restarting) fails here, before `work`.
    return pool
      .connection()
      .execute(work)
      .catch((error: unknown) => {
        throw lostConnection(em, error) ?? error;
      });
  }
  // A failed turn (SQLite's "database is locked" after the busy timeout) comes out as Kysely's would.
  const held: HeldConnection = await leased;
  // Released once: by the call's end, or earlier by db.close()'s bound (SQLite's turn of the file).
  let released: Promise<void> | undefined;
  const release = () => {
    released ??= held.release();
    return released;
  };
  try {
    return await work(held.connection, release);
  } finally {
    await release();
  }
}

function leaseOf(em: SqlEntityManager) {
  return dialectOfEm(em).leaseOf?.(em.config.get('driverOptions'));
}

/**
 * Runs `work` with one connection of `em`'s pool held for it, so a call of several statements asks
 * the pool once. Inside a transaction, or a connection held already, `work` just runs; with
 * `{ read: true }` (work that only reads) and a read replica configured, too, so that its reads
 * can go to the replica.
 *
 * @example
 * const [workflow, steps] = await withConnection(em, async () => [await read1(), await read2()]);
 */
export async function withConnection<T>(
  em: SqlEntityManager,
  work: () => Promise<T>,
  options: QueryOptions = {},
): Promise<T> {
  const setup = settingsCheck(em);
  if (setup !== undefined) await setup;
  if (em.getTransactionContext() !== undefined) return work();
  const pool = poolOf(em);
  if (heldOn(pool) !== undefined) return work();
  // Reads with a read replica configured: each statement is routed on its own (see `query`), as a
  // held connection of the primary would pin them all to it.
  if (options.read && em.getConnection('read') !== em.getConnection('write')) return work();
  const call = callsOf(em.config)?.admit();
  const running = onConnection(em, pool, (connection, release) => {
    call?.hold(connection, false, release);
    return held.run({ pool, connection, transaction: false }, work);
  });
  return call === undefined ? running : call.settle(running);
}

async function statement(em: SqlEntityManager, connection: AnyKysely | DatabaseConnection, sql: string): Promise<void> {
  await run(em, connection, sql, [], { prepare: false });
}

async function transactionOn<T>(
  em: SqlEntityManager,
  pool: AnyKysely,
  connection: AnyKysely | DatabaseConnection,
  work: () => Promise<T>,
): Promise<T> {
  try {
    await statement(em, connection, dialectOfEm(em).beginStatement);
  } catch (error) {
    throw driverError(em, error);
  }
  let result: T;
  try {
    result = await held.run({ pool, connection, transaction: true }, work);
  } catch (error) {
    // A failed rollback means a broken connection, which the pool drops; the work's error is the news.
    await statement(em, connection, 'rollback').catch(() => undefined);
    throw error;
  }
  try {
    await statement(em, connection, 'commit');
  } catch (error) {
    // A failed COMMIT leaves the transaction open on SQLite (SQLITE_BUSY): end it here.
    await statement(em, connection, 'rollback').catch(() => undefined);
    const failed = driverError(em, error);
    // Lost while COMMIT was on its way: the server may have committed, so it must not run again.
    if (failed instanceof LostConnectionException) failed.commitSent = true;
    throw failed;
  }
  noteWrite(em);
  return result;
}

function closedDuringCall(): DatabaseClosedError {
  return new DatabaseClosedError(
    "The database closed before this call finished (db.close()'s bound passed): its transaction was rolled back",
  );
}

/**
 * Rolls back the transaction open on `connection`, a connection a call of `em`'s database holds:
 * what db.close() does to a transaction still running when its bound passes.
 *
 * @example
 * await rollbackOn(db.orm.em, connection);
 */
export async function rollbackOn(em: SqlEntityManager, connection: object): Promise<void> {
  await run(em, connection as DatabaseConnection, 'rollback', [], { prepare: false });
}
