import type { EntityManager, MikroORM } from '@mikro-orm/core';
import type { AbstractSqlConnection } from '@mikro-orm/knex';
import { MigrationRunner } from '../migrations/migration-runner.js';
import type { Dialect } from './options.js';

/**
 * An open database: the MikroORM instance, its dialect and its migration runner.
 * Get one from {@link openDatabase}; close it with {@link Database.close}.
 */
export class Database {
  /** The underlying MikroORM instance: an escape hatch that bypasses every tenant check. */
  readonly orm: MikroORM;
  /** `'sqlite'` or `'postgresql'`. */
  readonly dialect: Dialect;
  /** The migration runner (`up`, `down`, `current`, `history`, `pending`, `check`, `adopt`). */
  readonly migrator: MigrationRunner;

  constructor(orm: MikroORM, dialect: Dialect) {
    this.orm = orm;
    this.dialect = dialect;
    this.migrator = new MigrationRunner(orm);
  }

  /** A fresh EntityManager of this database, for the services or your own queries. */
  fork(): EntityManager {
    return this.orm.em.fork();
  }

  /** The knex-backed connection, for code inside this library that needs raw SQL. @internal */
  get connection(): AbstractSqlConnection {
    return this.orm.em.getConnection() as AbstractSqlConnection;
  }

  /** Closes every connection. Safe to call twice. */
  async close(): Promise<void> {
    await this.orm.close(true);
  }
}
