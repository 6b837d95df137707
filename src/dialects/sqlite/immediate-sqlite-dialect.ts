import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';

// Kysely's SQLite driver begins transactions with a deferred `begin`. A deferred transaction that
// reads before it writes upgrades its lock at the first write, and that upgrade fails at once with
// SQLITE_BUSY (the busy timeout does not apply to it) when another connection wrote meanwhile.
// Every transaction on a database this library opens, MikroORM's included, begins immediate.
class ImmediateSqliteDriver extends SqliteDriver {
  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely's SQLite dialect whose transactions begin with `begin immediate`.
 *
 * @example
 * MikroORM.init({ driver: SqliteDriver, dbName, driverOptions: new ImmediateSqliteDialect({ database }) });
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: SqliteDialectConfig;

  constructor(config: SqliteDialectConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
