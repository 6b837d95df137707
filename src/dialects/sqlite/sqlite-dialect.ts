import type { Options } from '@mikro-orm/core';
import { CompiledQuery } from 'kysely';
import { DEFAULT_BUSY_TIMEOUT_MS, type OpenDatabaseOptions } from '../../database/options.js';
import type { ParsedDatabaseUrl } from '../../database/parse-database-url.js';
import { InvalidInputError } from '../../errors.js';
import type { CompileOptions, ConnectionLease, OpeningMode, RowLockMode, SqlDialect } from '../dialect.js';
import { sqliteConnectionSetup } from './connection-settings.js';
import { ImmediateSqliteDialect } from './immediate-sqlite-dialect.js';
import { sqliteLifecycleSql } from './lifecycle-sql.js';
import { sqliteMigrationSql } from './migration-sql.js';
import { openSqlite, resolveSqliteDriver, sqliteDriverFromEnvironment } from './open-sqlite.js';
import { DEFAULT_SQLITE_MMAP_BYTES, sqlitePragmas } from './pragmas.js';
import { sqliteTenantSql } from './tenant-sql.js';

// SQLite binds numbers, text, blobs and null: a boolean parameter is its 0/1.
function bindable(params: readonly unknown[]): unknown[] {
  const out = new Array<unknown>(params.length);
  for (let i = 0; i < params.length; i++) {
    const value = params[i];
    out[i] = value === true ? 1 : value === false ? 0 : value === undefined ? null : value;
  }
  return out;
}

/** SQLite, on better-sqlite3 or node:sqlite. */
export const sqliteDialect: SqlDialect = Object.freeze({
  name: 'sqlite' as const,
  beginStatement: 'begin immediate',

  compile(sql: string, params: readonly unknown[], _options: CompileOptions): CompiledQuery {
    return CompiledQuery.raw(sql, bindable(params));
  },

  isStalePlan(_error: unknown): boolean {
    return false;
  },

  isConnectionLost(_error: unknown): boolean {
    return false;
  },

  rowLock(_mode: RowLockMode): string {
    return '';
  },

  timestampText(column: string): string {
    return column;
  },

  timestampValue(date: Date): string {
    return date.toISOString();
  },

  connectionSetup: sqliteConnectionSetup,

  leaseOf(driverOptions: unknown): ConnectionLease | undefined {
    return driverOptions instanceof ImmediateSqliteDialect ? () => driverOptions.lease() : undefined;
  },

  tenant: sqliteTenantSql,
  lifecycle: sqliteLifecycleSql,
  migrations: sqliteMigrationSql,

  async ormOptions(
    parsed: ParsedDatabaseUrl,
    options: OpenDatabaseOptions,
    opening: OpeningMode = {},
  ): Promise<Partial<Options>> {
    if (parsed.dialect !== 'sqlite') throw new Error('not a SQLite URL');
    if (options.rowLevelSecurity) {
      throw new InvalidInputError('rowLevelSecurity', 'row-level security is a PostgreSQL feature');
    }
    if (options.preparedStatements === false) {
      throw new InvalidInputError(
        'preparedStatements',
        "named prepared statements are a PostgreSQL feature; SQLite's live in the process and stay on",
      );
    }
    if (options.replicas?.length) throw new InvalidInputError('replicas', 'read replicas are a PostgreSQL feature');
    for (const key of ['statementTimeoutMs', 'lockTimeoutMs'] as const) {
      if (options[key] !== undefined) {
        throw new InvalidInputError(
          key,
          'a PostgreSQL setting; on SQLite a writer waits for the lock at most busyTimeoutMs',
        );
      }
    }
    const { SqliteDriver } = await import('@mikro-orm/sql');
    const driver = resolveSqliteDriver(options.sqliteDriver ?? sqliteDriverFromEnvironment());
    const busyTimeoutMs = Math.max(0, Math.floor(options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS));
    const pragmas = sqlitePragmas(parsed.path, busyTimeoutMs, options.sqliteMmapBytes ?? DEFAULT_SQLITE_MMAP_BYTES, {
      keepJournalMode: opening.keepJournalMode,
    });
    return {
      driver: SqliteDriver,
      dbName: parsed.path,
      // Kysely keeps one connection for SQLite (one writer anyway; `:memory:` lives and dies with it).
      driverOptions: new ImmediateSqliteDialect({
        path: parsed.path,
        busyTimeoutMs,
        database: async () => openSqlite(driver, parsed.path, busyTimeoutMs),
        onCreateConnection: async (connection) => {
          for (const pragma of pragmas) await connection.executeQuery(CompiledQuery.raw(pragma));
        },
      }),
    };
  },
});
