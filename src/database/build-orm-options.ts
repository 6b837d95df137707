import type { Options } from '@mikro-orm/core';
import { entities } from '../entities/index.js';
import { DatabaseError, InvalidInputError } from '../errors.js';
import { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_POOL, type OpenDatabaseOptions } from './options.js';
import { type ParsedDatabaseUrl, parseDatabaseUrl } from './parse-database-url.js';
import { redactSecrets } from './redact.js';
import { requirePeer } from './require-peer.js';
import { DEFAULT_SQLITE_MMAP_BYTES, sqlitePragmas } from './sqlite-pragmas.js';

/**
 * Builds the complete MikroORM options for a parsed URL. Everything MikroORM would otherwise
 * take from the host's surroundings is pinned here: no metadata cache written to disk, no
 * `.env`, no config file, no `MIKRO_ORM_*` variable (the ORM is constructed, not `init`ed).
 */
export async function buildOrmOptions(parsed: ParsedDatabaseUrl, options: OpenDatabaseOptions): Promise<Options> {
  const log = options.logger ?? ((message: string) => console.log(message));
  const passThrough = options.mikroOrm ?? {};
  const common: Options = {
    discovery: { warnWhenNoEntities: false, requireEntitiesArray: true, disableDynamicFileAccess: false },
    metadataCache: { enabled: false },
    allowGlobalContext: false,
    debug: options.debug ?? false,
    logger: (message: string) => log(redactSecrets(message)),
    colors: false,
    ensureDatabase: false,
    ensureIndexes: false,
    ...passThrough,
    entities: [...entities, ...((passThrough.entities as unknown[]) ?? [])] as Options['entities'],
    migrations: { tableName: 'overlay_db_migrations', snapshot: false, ...(passThrough.migrations ?? {}) },
  };

  if (parsed.dialect === 'sqlite') {
    if (options.replicas?.length) throw new InvalidInputError('replicas', 'read replicas are a PostgreSQL feature');
    const { SqliteDriver } = await loadDriver(
      async () => requirePeer<typeof import('@mikro-orm/sqlite')>('@mikro-orm/sqlite'),
      '@mikro-orm/sqlite',
    );
    const pragmas = sqlitePragmas(
      parsed.path,
      options.busyTimeoutMs ?? DEFAULT_BUSY_TIMEOUT_MS,
      options.sqliteMmapBytes ?? DEFAULT_SQLITE_MMAP_BYTES,
    );
    return {
      ...common,
      driver: SqliteDriver,
      dbName: parsed.path,
      // One connection: SQLite has one writer anyway, and `:memory:` lives and dies with it.
      pool: {
        min: 1,
        max: 1,
        idleTimeoutMillis: Number.MAX_SAFE_INTEGER,
        afterCreate: (conn: SqliteConn, done: (err: Error | null, conn: SqliteConn) => void) => {
          conn.exec(`${pragmas.join(';\n')};`, (err) => done(err, conn));
        },
      } as Options['pool'],
    };
  }

  const { PostgreSqlDriver } = await loadDriver(
    async () => requirePeer<typeof import('@mikro-orm/postgresql')>('@mikro-orm/postgresql'),
    '@mikro-orm/postgresql',
  );
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
  const replicas = (options.replicas ?? []).map((url, i) => {
    const replica = parseDatabaseUrl(url);
    if (replica.dialect !== 'postgresql')
      throw new InvalidInputError('replicas', 'every replica must be a PostgreSQL URL');
    return {
      name: `replica-${i + 1}`,
      host: replica.host,
      port: replica.port,
      user: replica.user,
      password: replica.password,
      dbName: replica.database,
    };
  });
  return {
    ...common,
    driver: PostgreSqlDriver,
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    password: parsed.password,
    dbName: parsed.database,
    pool: { ...pool, ...((passThrough.pool as object) ?? {}) },
    ...(replicas.length ? { replicas, preferReadReplicas: true } : {}),
  };
}

interface SqliteConn {
  exec(sql: string, cb: (err: Error | null) => void): void;
}

async function loadDriver<T>(load: () => Promise<T>, name: string): Promise<T> {
  try {
    return await load();
  } catch (error) {
    throw new DatabaseError(
      `The driver package ${name} is not installed; add it with \`npm install -E ${name}@6.6.16\``,
      {
        cause: error,
      },
    );
  }
}
