// The raw side of the benchmark: the drivers MikroORM itself uses (`pg`, better-sqlite3), driven
// directly with cached prepared statements. Statements are written with `?` placeholders
// once and rewritten to `$n` for PostgreSQL (cached), so both sides run the same SQL text.

import { createRequire } from 'node:module';
import pg from 'pg';

export type Row = Record<string, any>;

/** The smallest driver surface the raw operations need. */
export interface RawDriver {
  readonly dialect: 'sqlite' | 'postgresql';
  /**
   * Runs one statement and returns its rows: prepared and cached by its text, unless `prepare` is
   * false (PostgreSQL then plans it on every call, as the library does for the health summary).
   */
  all(sql: string, params?: unknown[], options?: { prepare?: boolean }): Promise<Row[]>;
  /** Runs an unprepared batch (BEGIN, COMMIT, DDL). */
  exec(sql: string): Promise<void>;
  close(): Promise<void>;
}

const pgTexts = new Map<string, { name: string; text: string }>();

function pgStatement(sql: string): { name: string; text: string } {
  let prepared = pgTexts.get(sql);
  if (!prepared) {
    let n = 0;
    prepared = { name: `raw_${pgTexts.size}`, text: sql.replace(/\?/g, () => `$${++n}`) };
    pgTexts.set(sql, prepared);
  }
  return prepared;
}

/** A raw `pg.Client` on `url`: named prepared statements, one connection. */
export async function openRawPostgres(url: string): Promise<RawDriver> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return {
    dialect: 'postgresql',
    async all(sql, params = [], options = {}) {
      const { name, text } = pgStatement(sql);
      const prepared = options.prepare === false ? undefined : name;
      return (await client.query({ name: prepared, text, values: params as unknown[] })).rows;
    },
    async exec(sql) {
      await client.query(sql);
    },
    close: () => client.end(),
  };
}

interface BetterSqliteStatement {
  reader: boolean;
  all(...params: unknown[]): Row[];
  run(...params: unknown[]): unknown;
}
interface BetterSqliteDatabase {
  prepare(sql: string): BetterSqliteStatement;
  exec(sql: string): void;
  close(): void;
}

/** A raw better-sqlite3 `Database` on `file` with the library's pragmas and cached prepared statements. */
export async function openRawSqlite(file: string): Promise<RawDriver> {
  // better-sqlite3 as @mikro-orm/sqlite installs it (the driver the library runs on by default).
  const from = createRequire(import.meta.url).resolve('@mikro-orm/sqlite');
  const Database = createRequire(from)('better-sqlite3') as new (
    file: string,
    options: { timeout: number },
  ) => BetterSqliteDatabase;
  const db = new Database(file, { timeout: 10000 });
  db.exec(
    'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456;',
  );
  const statements = new Map<string, BetterSqliteStatement>();
  return {
    dialect: 'sqlite',
    async all(sql, params = []) {
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        statements.set(sql, stmt);
      }
      const bound = params.map((p) => (p === true ? 1 : p === false ? 0 : p));
      if (stmt.reader) return stmt.all(...bound);
      stmt.run(...bound);
      return [];
    },
    async exec(sql) {
      db.exec(sql);
    },
    async close() {
      statements.clear();
      db.close();
    },
  };
}
