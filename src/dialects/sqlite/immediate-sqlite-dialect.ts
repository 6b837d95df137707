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
  /** Whether the connection handed out last holds the file's turn (Kysely hands out one at a time). */
  #holding = false;

  constructor(config: ImmediateSqliteConfig) {
    super(config);
    this.#lock = fileLock(config.path);
    this.#busyTimeoutMs = config.busyTimeoutMs;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    // Kysely holds its own connection lock across this call and releases it only through
    // releaseConnection, so a turn that does not come must not throw here (the database would
    // wait forever for its next connection): the call gets a connection whose every statement
    // fails as SQLite does when busy, and Kysely releases it as usual.
    const busy = await this.#lock?.acquire(this.#busyTimeoutMs).then(
      () => undefined,
      (error: unknown) => error,
    );
    this.#holding = busy === undefined;
    if (busy !== undefined) return busyConnection(busy);
    try {
      return await super.acquireConnection();
    } catch (error) {
      this.#holding = false;
      this.#lock?.release();
      throw error;
    }
  }

  override async releaseConnection(): Promise<void> {
    await super.releaseConnection();
    if (this.#holding) {
      this.#holding = false;
      this.#lock?.release();
    }
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** A connection for a call whose turn did not come: each statement fails with the busy error. */
function busyConnection(error: unknown): DatabaseConnection {
  return {
    executeQuery: () => Promise.reject(error),
    streamQuery: () => {
      throw error;
    },
  };
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
