// Fresh benchmark databases (a temp SQLite file, a new PostgreSQL database) and raw drivers on them.
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import type { Dialect } from '../src/index.js';
import { openRawPostgres, openRawSqlite, type RawDriver } from './raw-driver.js';

export const PG_ADMIN_URL = process.env.OVERLAY_BENCH_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/** A fresh, empty database of `dialect`, migrated by the library; `drop` removes it. */
export async function freshDatabase(
  dialect: Dialect,
): Promise<{ url: string; rawTarget: string; drop(): Promise<void> }> {
  if (dialect === 'sqlite') {
    const dir = mkdtempSync(join(tmpdir(), 'overlay-bench-'));
    const file = join(dir, 'bench.db');
    return {
      url: `sqlite:///${file}`,
      rawTarget: file,
      drop: async () => rmSync(dir, { recursive: true, force: true }),
    };
  }
  const name = `overlay_bench_${randomBytes(4).toString('hex')}`;
  await admin(`create database ${name}`);
  const url = new URL(PG_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    rawTarget: url.toString(),
    drop: () => admin(`drop database if exists ${name} with (force)`),
  };
}

async function admin(sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: PG_ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

export function openRaw(dialect: Dialect, target: string): Promise<RawDriver> {
  return dialect === 'sqlite' ? openRawSqlite(target) : openRawPostgres(target);
}
