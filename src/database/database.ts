import { inspect } from 'node:util';
import type { MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection, AbstractSqlDriver, SqlEntityManager } from '@mikro-orm/sql';
import { MigrationRunner } from '../migrations/migration-runner.js';
import { createTenantScope } from '../tenant/create-tenant-scope.js';
import type { TenantScope } from '../tenant/tenant-scope.js';
import type { Dialect } from './options.js';

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

  constructor(orm: MikroORM, dialect: Dialect) {
    this.orm = orm as MikroORM<AbstractSqlDriver, SqlEntityManager>;
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

  /** Closes every connection. Safe to call twice. */
  async close(): Promise<void> {
    await this.orm.close(true);
  }
}
