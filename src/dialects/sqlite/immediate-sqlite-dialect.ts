import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import { fileLock } from './file-lock.js';

/** Where a {@link ImmediateSqliteDialect} connects, and how long it waits for its turn. */
export interface ImmediateSqliteConfig extends SqliteDialectConfig {
  /** The database file (absolute), or `:memory:`. */
  path: string;
  busyTimeoutMs: number;
}

// Kysely's SQLite driver begins transactions with a deferred `begin`. A deferred transaction that
// reads before it writes upgrades its lock at the first write, and that upgrade fails at once with
// SQLITE_BUSY (the busy timeout does not apply to it) when another connection wrote meanwhile.
// Every transaction on a database this library opens, MikroORM's included, begins immediate.
class ImmediateSqliteDriver extends SqliteDriver {
  readonly #lock: ReturnType<typeof fileLock>;
  readonly #busyTimeoutMs: number;

  constructor(config: ImmediateSqliteConfig) {
    super(config);
    this.#lock = fileLock(config.path);
    this.#busyTimeoutMs = config.busyTimeoutMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    await this.#lock?.acquire(this.#busyTimeoutMs);
    try {
      return await super.acquireConnection();
    } catch (error) {
      this.#lock?.release();
      throw error;
    }
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    this.#lock?.release();
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/**
 * Kysely's SQLite dialect whose transactions begin with `begin immediate` and whose connections
 * to one file take turns within the process (see file-lock.ts).
 *
 * @example
 * MikroORM.init({ driver: SqliteDriver, dbName, driverOptions: new ImmediateSqliteDialect({ path, busyTimeoutMs, database }) });
 */
export class ImmediateSqliteDialect extends SqliteDialect {
  readonly #config: ImmediateSqliteConfig;

  constructor(config: ImmediateSqliteConfig) {
    super(config);
    this.#config = config;
  }

  override createDriver(): Driver {
    return new ImmediateSqliteDriver(this.#config);
  }
}
