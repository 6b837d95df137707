import { createRequire } from 'node:module';
import type { Options } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { CompiledQuery } from 'kysely';
import { DEFAULT_POOL, type OpenDatabaseOptions } from '../../database/options.js';
import { type ParsedDatabaseUrl, parseDatabaseUrl } from '../../database/parse-database-url.js';
import { DatabaseError, InvalidInputError } from '../../errors.js';
import type { CompileOptions, RowLockMode, SqlDialect } from '../dialect.js';
import { pgConnectionOptions } from './connection-config.js';
import { isPostgresqlConnectionLost } from './connection-lost.js';
import { postgresqlLifecycleSql } from './lifecycle-sql.js';
import { postgresqlMigrationSql } from './migration-sql.js';
import { isStalePlanError, markPrepared, namingClient, type PgClientClass } from './named-statements.js';
import { postgresqlReplicaSql, REPLICA_CONNECT_TIMEOUT_MS } from './replica-sql.js';
import { CONNECT_TIMEOUT_MS, sessionTimeouts } from './session-timeouts.js';
import { postgresqlTenantSql } from './tenant-sql.js';

// Statements with few parameters come from a small, fixed set of texts (the hot reads and writes)
// and are prepared; longer ones (multi-row inserts, long IN lists) vary with their data and stay
// unnamed, so a connection never accumulates thousands of prepared statements.
const PREPARE_MAX_PARAMS = 32;
const texts = new Map<string, { text: string; count: number }>();
const MAX_TEXTS = 2000;

/** `?` placeholders as `$1…$n` (the library's statements never hold a literal `?`). */
function numbered(sql: string): { text: string; count: number } {
  let entry = texts.get(sql);
  if (entry === undefined) {
    let count = 0;
    const text = sql.replace(/\?/g, () => `$${++count}`);
    entry = { text, count };
    if (texts.size >= MAX_TEXTS) texts.clear();
    texts.set(sql, entry);
  }
  return entry;
}

const NOT_INSTALLED =
  'The driver package @mikro-orm/postgresql is not installed; add it with `npm install @mikro-orm/postgresql`';

async function loadPgClient(): Promise<PgClientClass> {
  const here = createRequire(import.meta.url);
  let from: string;
  try {
    from = here.resolve('@mikro-orm/postgresql');
  } catch (error) {
    // In a host's bundle @mikro-orm/postgresql is bundled, not on disk; pg is bundled with it, and
    // this literal import lets the bundler give the library the same copy.
    try {
      const pg = await import('pg');
      return (pg.default ?? pg).Client as unknown as PgClientClass;
    } catch {
      throw new DatabaseError(NOT_INSTALLED, { cause: error });
    }
  }
  // pg as @mikro-orm/postgresql has it: the same copy its pool is made of.
  const pg = createRequire(from)('pg') as { Client: PgClientClass };
  return pg.Client;
}

/** PostgreSQL, on pg. */
export const postgresqlDialect: SqlDialect = Object.freeze({
  name: 'postgresql' as const,
  beginStatement: 'begin',

  compile(sql: string, params: readonly unknown[], options: CompileOptions): CompiledQuery {
    const { text, count } = numbered(sql);
    if (options.prepare && count <= PREPARE_MAX_PARAMS) markPrepared(text);
    return CompiledQuery.raw(text, params as unknown[]);
  },

  isStalePlan: isStalePlanError,
  isConnectionLost: isPostgresqlConnectionLost,

  rowLock(mode: RowLockMode): string {
    return ` for ${mode}`;
  },

  timestampText(column: string): string {
    return `to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`;
  },

  timestampValue(date: Date): Date {
    return date;
  },

  connectionSetup(_em: SqlEntityManager): undefined {
    return undefined;
  },

  tenant: postgresqlTenantSql,
  lifecycle: postgresqlLifecycleSql,
  migrations: postgresqlMigrationSql,
  replica: postgresqlReplicaSql,

  async ormOptions(parsed: ParsedDatabaseUrl, options: OpenDatabaseOptions): Promise<Partial<Options>> {
    if (parsed.dialect !== 'postgresql') throw new Error('not a PostgreSQL URL');
    if (options.sqliteDriver !== undefined) throw new InvalidInputError('sqliteDriver', 'a SQLite option');
    const Client = await loadPgClient();
    let PostgreSqlDriver: typeof import('@mikro-orm/postgresql').PostgreSqlDriver;
    try {
      // In a try, so that a bundler leaves this import to run time when the package is absent
      // (a SQLite-only host) instead of failing the build.
      ({ PostgreSqlDriver } = await import('@mikro-orm/postgresql'));
    } catch (error) {
      throw new DatabaseError(NOT_INSTALLED, { cause: error });
    }
    const pool = { ...DEFAULT_POOL, ...(options.pool ?? {}) };
    if (
      !Number.isSafeInteger(pool.min) ||
      !Number.isSafeInteger(pool.max) ||
      pool.min < 0 ||
      pool.max < 1 ||
      pool.min > pool.max
    ) {
      throw new InvalidInputError('pool', 'expected integers with 0 <= min <= max and max >= 1');
    }
    const PoolClient = options.preparedStatements === false ? Client : namingClient(Client);
    const session = sessionTimeouts(options);
    // Every URL is parsed before any is connected to: a bad replica URL fails before a probe runs.
    const replicaUrls = (options.replicas ?? []).map((url) => {
      const replica = parseDatabaseUrl(url);
      if (replica.dialect !== 'postgresql') {
        throw new InvalidInputError('replicas', 'every replica must be a PostgreSQL URL');
      }
      // A replica that does not answer fails over to the primary within this, instead of hanging
      // (the URL's own connect_timeout wins).
      return replica.connectTimeoutSeconds === undefined
        ? { ...replica, connectTimeoutSeconds: REPLICA_CONNECT_TIMEOUT_MS / 1000 }
        : replica;
    });
    // Each replica gets settings of its own (its TLS, its timeout): one without driverOptions
    // would take the primary's.
    const replicas = await Promise.all(
      replicaUrls.map(async (replica, i) => ({
        name: `replica-${i + 1}`,
        ...(await pgConnectionOptions(replica, PoolClient, session)),
      })),
    );
    return {
      driver: PostgreSqlDriver,
      ...(await pgConnectionOptions(
        // A server that is down or unreachable fails a connect within this, not at the socket's leisure.
        { ...parsed, connectTimeoutSeconds: parsed.connectTimeoutSeconds ?? CONNECT_TIMEOUT_MS / 1000 },
        PoolClient,
        session,
      )),
      pool,
      ...(replicas.length ? { replicas, preferReadReplicas: true } : {}),
    };
  },
});
