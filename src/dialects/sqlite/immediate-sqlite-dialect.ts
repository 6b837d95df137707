import {
  CompiledQuery,
  type DatabaseConnection,
  type Driver,
  SqliteDialect,
  type SqliteDialectConfig,
  SqliteDriver,
} from 'kysely';
import type { HeldConnection } from '../dialect.js';
import { FileLock, fileLock } from './file-lock.js';

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
  readonly #lock: FileLock;
  readonly #busyTimeoutMs: number;
  #ready = false;

  constructor(config: ImmediateSqliteConfig) {
    super(config);
    // `:memory:` has no file to share, but its one connection is taken in turns all the same:
    // Kysely's own turn (its connection mutex) does not cover a lease.
    this.#lock = fileLock(config.path) ?? new FileLock();
    this.#busyTimeoutMs = config.busyTimeoutMs;
  }

  override async init(): Promise<void> {
    await super.init();
    this.#ready = true;
  }

  override async acquireConnection(): Promise<DatabaseConnection> {
    // Kysely holds its own connection lock across this call and releases it only through
    // releaseConnection, so a turn that does not come must not throw here (the database would
    // wait forever for its next connection): the call gets a connection whose every statement
    // fails as SQLite does when busy, and it is released as usual.
    const busy = await this.#lock.acquire(this.#busyTimeoutMs).then(
      () => undefined,
      (error: unknown) => error,
    );
    if (busy !== undefined) return busyConnection(busy);
    try {
      return await super.acquireConnection();
    } catch (error) {
      this.#lock.release();
      throw error;
    }
  }

  override async releaseConnection(connection?: DatabaseConnection): Promise<void> {
    await super.releaseConnection();
    // A busy connection never had the turn.
    if (connection === undefined || !busyConnections.has(connection)) this.#lock.release();
  }

  /** The connection for one unit of work, in its turn; undefined until Kysely has initialized the driver. */
  lease(): Promise<HeldConnection> | undefined {
    if (!this.#ready) return undefined;
    return this.acquireConnection().then((connection) => ({
      connection,
      release: () => this.releaseConnection(connection),
    }));
  }

  override async beginTransaction(connection: DatabaseConnection): Promise<void> {
    await connection.executeQuery(CompiledQuery.raw('begin immediate'));
  }
}

/** The connections {@link busyConnection} made: they never held the file's turn. */
const busyConnections = new WeakSet<DatabaseConnection>();

/** A connection for a call whose turn did not come: each statement fails with the busy error. */
function busyConnection(error: unknown): DatabaseConnection {
  const connection: DatabaseConnection = {
    executeQuery: () => Promise.reject(error),
    streamQuery: () => {
      throw error;
    },
  };
  busyConnections.add(connection);
  return connection;
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

  #driver: ImmediateSqliteDriver | undefined;

  override createDriver(): Driver {
    this.#driver = new ImmediateSqliteDriver(this.#config);
    return this.#driver;
  }

  /**
   * A connection for one unit of work straight from the driver, in the same turn every use of the
   * file takes (Kysely's included); undefined until Kysely has opened the database. The executor's
   * transactions run on it, without Kysely's per-statement connection provider.
   */
  lease(): Promise<HeldConnection> | undefined {
    return this.#driver?.lease();
  }
}
