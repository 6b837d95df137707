// Fresh benchmark databases (a temp SQLite file, a new PostgreSQL database) and raw drivers on them.

import { createTestDatabase } from '../test/support/scratch-database.js';
import { type Database, type Dialect, openDatabase } from './library.js';
import { openRawPostgres, openRawSqlite, type RawDriver } from './raw-driver.js';

export const PG_ADMIN_URL = process.env.OVERLAY_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A bench database: `rawTarget` is what the raw drivers open (the SQLite file, the PostgreSQL URL). */
export interface BenchTarget {
  url: string;
  rawTarget: string;
  drop(): Promise<void>;
}

/** A fresh, empty database of `dialect`; `drop` removes it. */
export async function freshDatabase(dialect: Dialect): Promise<BenchTarget> {
  const target = await createTestDatabase(dialect, { adminUrl: PG_ADMIN_URL, prefix: 'overlay-bench' });
  return { url: target.url, rawTarget: dialect === 'sqlite' ? target.name : target.url, drop: target.drop };
}

export function openRaw(dialect: Dialect, target: string): Promise<RawDriver> {
  return dialect === 'sqlite' ? openRawSqlite(target) : openRawPostgres(target);
}

/**
 * Runs `work` with the library (migrated) and the raw driver open on one fresh database of
 * `dialect`, then closes both and drops the database, however `work` ends.
 */
export async function withBenchDatabases<T>(
  dialect: Dialect,
  work: (db: Database, raw: RawDriver, target: BenchTarget) => Promise<T>,
): Promise<T> {
  const target = await freshDatabase(dialect);
  let db: Database | undefined;
  let raw: RawDriver | undefined;
  try {
    db = await openDatabase({ url: target.url, migrate: true });
    raw = await openRaw(dialect, target.rawTarget);
    return await work(db, raw, target);
  } finally {
    await raw?.close();
    await db?.close();
    await target.drop();
  }
}
