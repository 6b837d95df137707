// Scratch databases for the tests and the benchmark (no vitest here, so `bench/` can use it).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dialect } from '../../src/index.js';
import { PG_ADMIN_URL } from './env.js';

/** A fresh, empty database and how to throw it away. */
export interface TestDatabase {
  dialect: Dialect;
  url: string;
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
      name: file,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `${prefix.replace(/-/g, '_')}_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`, adminUrl);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return {
    dialect,
    url: url.toString(),
    name,
    drop: async () => {
      await adminQuery(`drop database if exists ${name} with (force)`, adminUrl);
    },
  };
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
