// Scratch databases for the tests and the benchmark (no vitest here, so `bench/` can use it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dialect, OpenDatabaseOptions } from '../../src/index.js';
import { PG_ADMIN_URL, PG_VIA_POOLER } from './env.js';

/** A fresh, empty database and how to throw it away. */
export interface TestDatabase {
  dialect: Dialect;
  /** The URL the library opens: through PgBouncer when the run is `OVERLAY_TEST_PG_VIA=pgbouncer`. */
  url: string;
  /** The URL straight to the server, for a test's own admin or superuser client (the same as `url` on SQLite). */
  directUrl: string;
  /** Options to open `url` with: `preparedStatements: false` through PgBouncer, else none. */
  openOptions: OpenDatabaseOptions;
  /** For SQLite, the file path; for PostgreSQL, the database name. */
  name: string;
  drop(): Promise<void>;
}

/** Where scratch databases are made: the admin URL and the name prefix. */
export interface ScratchOptions {
  adminUrl?: string;
  /** `overlay-db-test` by default: the SQLite temp folder and (with `_`) the PostgreSQL database name. */
  prefix?: string;
}

/** Creates a new empty database of `dialect`: a temp SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(dialect: Dialect, options: ScratchOptions = {}): Promise<TestDatabase> {
  const prefix = options.prefix ?? 'overlay-db-test';
  const adminUrl = options.adminUrl ?? PG_ADMIN_URL;
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), `${prefix}-`));
    const file = join(dir, 'test.db');
    return {
      dialect,
      url: `sqlite:///${file}`,
      directUrl: `sqlite:///${file}`,
      openOptions: {},
      name: file,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `${prefix.replace(/-/g, '_')}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`, adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const pooled = PG_VIA_POOLER && options.adminUrl === undefined ? poolerUrl(url) : undefined;
  return {
    dialect,
    url: pooled ?? url.toString(),
    directUrl: url.toString(),
    openOptions: pooled === undefined ? {} : { preparedStatements: false },
    name,
    drop: async () => {
      await adminQuery(`drop database if exists ${name} with (force)`, adminUrl);
    },
  };
}

/**
 * `direct` (a database of the test server) as PgBouncer reaches it: its port and database name,
 * with the same user. The URL is the one the global setup got from scripts/components/pgbouncer.sh.
 */
function poolerUrl(direct: URL): string {
  const base = process.env.OVERLAY_TEST_PGBOUNCER_URL;
  if (!base)
    throw new Error(
      'OVERLAY_TEST_PG_VIA=pgbouncer, but OVERLAY_TEST_PGBOUNCER_URL is not set (the global setup starts it)',
    );
  const url = new URL(base);
  url.username = direct.username;
  url.password = direct.password;
  url.pathname = direct.pathname;
  return url.toString();
}

/** Runs one SQL statement on the admin database. */
export async function adminQuery(sql: string, adminUrl = PG_ADMIN_URL): Promise<void> {
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
