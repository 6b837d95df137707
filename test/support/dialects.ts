import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { describe, inject } from 'vitest';
import type { Dialect } from '../../src/index.js';
import { PG_ADMIN_URL, requestedDialects } from './env.js';

export { PG_ADMIN_URL, requestedDialects };

/** A fresh, empty database and how to throw it away. */
export interface TestDatabase {
  dialect: Dialect;
  url: string;
  /** For SQLite, the file path; for PostgreSQL, the database name. */
  name: string;
  drop(): Promise<void>;
}

/** Creates a new empty database of `dialect`: a temp SQLite file, or a new PostgreSQL database. */
export async function createTestDatabase(dialect: Dialect): Promise<TestDatabase> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-db-test-'));
    const file = join(dir, 'test.db');
    return {
      dialect,
      url: `sqlite:///${file}`,
      name: file,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `overlay_test_${randomBytes(6).toString('hex')}`;
  await adminQuery(`create database ${name}`);
  const admin = new URL(PG_ADMIN_URL);
  admin.pathname = `/${name}`;
  return {
    dialect,
    url: admin.toString(),
    name,
    drop: async () => {
      await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

/** Runs one SQL statement on the admin database. */
export async function adminQuery(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/**
 * `describe` once per dialect of this run. The PostgreSQL block is skipped only when the
 * global setup found no server outside CI (it has already printed why).
 */
export function describeEachDialect(title: string, body: (dialect: Dialect) => void): void {
  for (const dialect of requestedDialects()) {
    const available = dialect === 'sqlite' || inject('postgresAvailable');
    (available ? describe : describe.skip)(`${title} [${dialect}]`, () => body(dialect));
  }
}
