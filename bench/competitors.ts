// The sides of the benchmark on one database: the library and its competitors, each with its
// operations twice, once as timed and once on a path that counts the statements it sends
// (counting is kept off the timed path: the library's `onQuery` hook and Kysely's log would add
// their own cost to the figures).
import { Kysely, type KyselyPlugin, PostgresDialect, SqliteDialect } from 'kysely';
import pg from 'pg';
import type { DatasetIds } from './dataset.js';
import { drizzleOps, drizzlePgDb, drizzleSqliteDb, postgresTables, sqliteTables } from './drizzle-ops.js';
import { kyselyOps } from './kysely-ops.js';
import { type Database, type Dialect, openDatabase } from './library.js';
import { libraryOps, type OperationSet, rawOps } from './ops.js';
import {
  countStatement,
  openBetterSqlite,
  openRawNodeSqlite,
  openRawPostgres,
  openRawPostgresPool,
  openRawSqlite,
  type RawDriver,
  watchPool,
} from './raw-driver.js';

export type CompetitorKind = 'library' | 'raw' | 'peer';

export interface Side {
  name: string;
  kind: CompetitorKind;
  /** The operations as timed. */
  ops: OperationSet;
  /** The same operations, counting what they send in `statements` (transaction control not counted). */
  counted: OperationSet;
  statements: { count: number };
  close(): Promise<void>;
}

/** The competitors' names per dialect, in the order the bench reports them. */
export const COMPETITORS: Record<Dialect, string[]> = {
  sqlite: ['raw-better-sqlite3', 'raw-node-sqlite', 'kysely', 'drizzle'],
  postgresql: ['raw-pg', 'kysely', 'drizzle'],
};

export function kindOf(name: string): CompetitorKind {
  return name === 'library' ? 'library' : name.startsWith('raw-') ? 'raw' : 'peer';
}

/**
 * The library's side. Its statements are counted on a second `Database` opened on the same
 * database with an `onQuery` hook (the package's public way to see them), so that the timed one
 * runs without a hook. The counter starts after that open (whose check statement is not a call's).
 */
export async function librarySide(db: Database, url: string, ids: DatasetIds, tag: number): Promise<Side> {
  const statements = { count: 0 };
  const counter = await openDatabase({ url, onQuery: (event) => countStatement(statements, event.sql) });
  statements.count = 0;
  return {
    name: 'library',
    kind: 'library',
    ops: libraryOps(db, ids, tag),
    counted: libraryOps(counter, ids, tag),
    statements,
    close: () => counter.close(),
  };
}

function rawSide(name: string, raw: RawDriver, ids: DatasetIds, tag: number): Side {
  const ops = rawOps(raw, ids, tag);
  return { name, kind: 'raw', ops, counted: ops, statements: raw.statements, close: () => raw.close() };
}

/** Kysely counts through a plugin on a second instance sharing the driver (plugins see every built statement). */
function kyselySide(db: Kysely<any>, dialect: Dialect, ids: DatasetIds, tag: number): Side {
  const statements = { count: 0 };
  const counting: KyselyPlugin = {
    transformQuery: (args) => {
      statements.count++;
      return args.node;
    },
    transformResult: async (args) => args.result,
  };
  return {
    name: 'kysely',
    kind: 'peer',
    ops: kyselyOps(db, dialect, ids, tag),
    counted: kyselyOps(db.withPlugin(counting), dialect, ids, tag),
    statements,
    close: () => db.destroy(),
  };
}

export interface OpenOptions {
  /** PostgreSQL: the pool size of every pooled side; the raw side then runs on a pool too. */
  pool?: number;
  /** Only these competitors (the library side is always opened). */
  only?: string[];
}

/**
 * Opens the library's side and every competitor of `dialect` on one database (`target.url` as the
 * library opens it, `target.rawTarget` as the others do: the SQLite file or the PostgreSQL URL).
 * Each side gets its own `tag`, so its new screenshot hashes are its own.
 */
export async function openSides(
  dialect: Dialect,
  db: Database,
  target: { url: string; rawTarget: string },
  ids: DatasetIds,
  options: OpenOptions = {},
): Promise<Side[]> {
  const wanted = (name: string) => options.only === undefined || options.only.includes(name);
  const { rawTarget } = target;
  const sides: Side[] = [await librarySide(db, target.url, ids, 0)];
  let tag = 1;
  if (dialect === 'sqlite') {
    if (wanted('raw-better-sqlite3'))
      sides.push(rawSide('raw-better-sqlite3', await openRawSqlite(rawTarget), ids, tag++));
    if (wanted('raw-node-sqlite'))
      sides.push(rawSide('raw-node-sqlite', await openRawNodeSqlite(rawTarget), ids, tag++));
    if (wanted('kysely')) {
      const kysely = new Kysely<any>({
        dialect: new SqliteDialect({ database: openBetterSqlite(rawTarget) as never }),
      });
      sides.push(kyselySide(kysely, dialect, ids, tag++));
    }
    if (wanted('drizzle')) {
      const client = openBetterSqlite(rawTarget);
      const tables = sqliteTables(client);
      const statements = { count: 0 };
      const t = tag++;
      sides.push({
        name: 'drizzle',
        kind: 'peer',
        ops: drizzleOps(drizzleSqliteDb(client), tables, dialect, ids, t, 'd'),
        counted: drizzleOps(drizzleSqliteDb(client, statements), tables, dialect, ids, t, 'dc'),
        statements,
        close: async () => client.close(),
      });
    }
  } else {
    const max = options.pool ?? 10;
    if (wanted('raw-pg')) {
      const raw = options.pool ? openRawPostgresPool(rawTarget, max) : await openRawPostgres(rawTarget);
      sides.push(rawSide('raw-pg', raw, ids, tag++));
    }
    if (wanted('kysely')) {
      const kysely = new Kysely<any>({
        dialect: new PostgresDialect({ pool: watchPool(new pg.Pool({ connectionString: rawTarget, max })) }),
      });
      sides.push(kyselySide(kysely, dialect, ids, tag++));
    }
    if (wanted('drizzle')) {
      const pool = watchPool(new pg.Pool({ connectionString: rawTarget, max }));
      const tables = await postgresTables(pool);
      const statements = { count: 0 };
      const t = tag++;
      sides.push({
        name: 'drizzle',
        kind: 'peer',
        ops: drizzleOps(drizzlePgDb(pool), tables, dialect, ids, t, 'd'),
        counted: drizzleOps(drizzlePgDb(pool, statements), tables, dialect, ids, t, 'dc'),
        statements,
        close: () => pool.end(),
      });
    }
  }
  return sides;
}
