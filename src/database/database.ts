import { inspect } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection, AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/sql';
import { trackCalls } from '../executor/in-flight.js';
import { MigrationRunner } from '../migrations/migration-runner.js';
import { createTenantScope } from '../tenant/create-tenant-scope.js';
import type { TenantScope } from '../tenant/tenant-scope.js';
import type { Dialect } from './options.js';
import { type CloseOptions, closeDatabase, closeTimeout, DEFAULT_CLOSE_TIMEOUT_MS } from './shutdown.js';
import { type DatabaseTransaction, runTransaction } from './transaction.js';

/**
 * An open database: the MikroORM instance, its dialect and its migration runner.
 * Get one from {@link openDatabase}; close it with {@link Database.close}.
 *
 * @example
 * const db = await openDatabase({ migrate: true });
 * const t = db.forCompany(companyId);
 * await db.close();
 */
export class Database {
  /** The underlying MikroORM instance: an escape hatch that bypasses every tenant check. */
  readonly orm: MikroORM<AbstractSqlDriver, SqlEntityManager>;
  /** `'sqlite'` or `'postgresql'`. */
  readonly dialect: Dialect;
  /** The migration runner (`up`, `down`, `current`, `history`, `pending`, `check`, `adopt`). */
  readonly migrator: MigrationRunner;

  #closed: Promise<void> | undefined;

  constructor(orm: MikroORM, dialect: Dialect) {
    this.orm = orm as MikroORM<AbstractSqlDriver, SqlEntityManager>;
    trackCalls(orm.config);
    this.dialect = dialect;
    this.migrator = new MigrationRunner(orm);
  }

  /** A fresh EntityManager of this database, for the services or your own queries. */
  fork(): SqlEntityManager {
    return this.orm.em.fork();
  }

  /**
   * The tenant scope of one company: repositories that only ever read, change or reference that
   * company's rows. TENANT_REQUIRED unless `companyId` is a positive integer id (at most 2,147,483,647).
   *
   * @example
   * const t = db.forCompany(companyId);
   * const { items, nextCursor } = await t.workflows.list({ limit: 20 });
   */
  forCompany(companyId: number): TenantScope {
    return createTenantScope(this.orm.em, companyId);
  }

  /**
   * Runs `work` in one transaction: every service and tenant scope given `tx` (or this `db`, inside
   * `work`) commits when `work` resolves and rolls back when it throws, and `work`'s result or error
   * comes out as it was. Inside a transaction already (a `db.transaction`, or the host's
   * `em.transactional`) it joins that one. A transaction the database aborts for a deadlock, a
   * serialization failure or a busy SQLite file, or whose connection is lost before its COMMIT was
   * sent, runs again from the start, up to three runs in all:
   * `work` must be safe to run again (no e-mails sent, no other systems called inside it). Failures
   * of the transaction itself (begin, commit, a lock not granted in time) are OverlayDbError.
   * Statements of MikroORM's entity API (`db.fork().find(…)`) do not belong inside: on SQLite they
   * would wait for the connection the transaction holds.
   *
   * @example
   * const { company, admin } = await db.transaction(async (tx) => {
   *   const company = await createCompany(tx, { name: 'Acme Corp' });
   *   const admin = await createAdmin(tx, { companyId: company.id, email, password });
   *   return { company, admin };
   * }); // a taken email leaves no company behind
   */
  transaction<T>(work: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
    return runTransaction(this.orm.em, work);
  }

  /**
   * MikroORM's connection, for tests and tools that inspect the database beside the library (the
   * library itself runs every statement through its executor). @internal
   */
  get connection(): AbstractSqlConnection {
    return this.orm.em.getConnection();
  }

  /**
   * What `util.inspect` (and `console.log`) shows: the dialect only. The ORM's configuration
   * holds the connection password; inspect `db.orm` itself only where a password may be shown.
   */
  [inspect.custom](): string {
    return `Database { dialect: '${this.dialect}' }`;
  }

  /**
   * Closes the database: calls started from now on are refused with DATABASE_CLOSED; calls in
   * flight finish, for at most `timeoutMs` (default {@link DEFAULT_CLOSE_TIMEOUT_MS}); a transaction
   * still running then is rolled back and its call rejects with DATABASE_CLOSED; then every
   * connection closes. Safe to call twice, or at once: every call gets the same outcome.
   *
   * @example
   * process.on('SIGTERM', async () => { await db.close({ timeoutMs: 10_000 }); process.exit(0); });
   */
  close(options: CloseOptions = {}): Promise<void> {
    if (this.#closed === undefined) {
      let timeoutMs: number;
      try {
        timeoutMs = closeTimeout(options);
      } catch (error) {
        // Bad options close nothing: a later close() with good ones still runs.
        return Promise.reject(error);
      }
      this.#closed = closeDatabase(this.orm, timeoutMs);
    }
    return this.#closed;
  }
}
