// The raw side of the benchmark: the drivers MikroORM itself uses (`pg`, `sqlite3`), driven
// directly with cached prepared statements. Statements are written with `?` placeholders
// once and rewritten to `$n` for PostgreSQL (cached), so both sides run the same SQL text.
import pg from 'pg';
import sqlite3 from 'sqlite3';

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

/** A raw `sqlite3.Database` on `file` with the library's pragmas and cached prepared statements. */
export async function openRawSqlite(file: string): Promise<RawDriver> {
  const db = await new Promise<sqlite3.Database>((resolve, reject) => {
    const d = new sqlite3.Database(file, (err) => (err ? reject(err) : resolve(d)));
  });
  const exec = (sql: string) =>
    new Promise<void>((resolve, reject) => db.exec(sql, (e) => (e ? reject(e) : resolve())));
  await exec(
    'PRAGMA busy_timeout = 10000; PRAGMA journal_mode = WAL; PRAGMA foreign_keys = ON; PRAGMA synchronous = NORMAL; PRAGMA mmap_size = 268435456;',
  );
  const statements = new Map<string, sqlite3.Statement>();
  return {
    dialect: 'sqlite',
    all(sql, params = []) {
      let stmt = statements.get(sql);
      if (!stmt) {
        stmt = db.prepare(sql);
        statements.set(sql, stmt);
      }
      const s = stmt;
      return new Promise<Row[]>((resolve, reject) =>
        s.all(params, (e, rows) => (e ? reject(e) : resolve(rows as Row[]))),
      );
    },
    exec,
    async close() {
      for (const s of statements.values()) await new Promise<void>((r) => s.finalize(() => r()));
      await new Promise<void>((resolve, reject) => db.close((e) => (e ? reject(e) : resolve())));
    },
  };
}
