import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';

// SQLite-only: pragmas are SQLite's per-connection settings; PostgreSQL has no equivalent.
describe.runIf(requestedDialects().includes('sqlite'))('SQLite connections', () => {
  let dir: string;
  let db: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-pragma-'));
    db = await openDatabase({ url: `sqlite:///${join(dir, 'p.db')}`, busyTimeoutMs: 7000 });
  });
  afterAll(async () => {
    await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const pragma = async (name: string) => {
    const [row] = await db.connection.execute<Record<string, unknown>[]>(`pragma ${name}`);
    return Object.values(row)[0];
  };

  it('run with foreign keys on, WAL, NORMAL sync and the busy timeout', async () => {
    expect(await pragma('foreign_keys')).toBe(1);
    expect(await pragma('journal_mode')).toBe('wal');
    expect(await pragma('synchronous')).toBe(1);
    expect(await pragma('busy_timeout')).toBe(7000);
  });

  it('read the file through a memory map (256 MiB by default; sqliteMmapBytes: 0 turns it off)', async () => {
    expect(await pragma('mmap_size')).toBe(256 * 1024 * 1024);
    const off = await openDatabase({ url: `sqlite:///${join(dir, 'q.db')}`, sqliteMmapBytes: 0 });
    try {
      const [row] = await off.connection.execute<Record<string, unknown>[]>('pragma mmap_size');
      expect(Object.values(row)[0]).toBe(0);
    } finally {
      await off.close();
    }
    await expect(openDatabase({ url: 'sqlite:///:memory:', sqliteMmapBytes: -1 })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
    });
  });

  it('refuse preparedStatements: false, a PostgreSQL setting (SQLite statements live in the process)', async () => {
    await expect(openDatabase({ url: 'sqlite:///:memory:', preparedStatements: false })).rejects.toMatchObject({
      code: 'INVALID_INPUT',
      field: 'preparedStatements',
    });
    const on = await openDatabase({ url: 'sqlite:///:memory:', preparedStatements: true });
    await on.close();
  });

  it('keep them inside transactions too (the pooled connection is the configured one)', async () => {
    await db.orm.em.fork().transactional(async (em) => {
      const [row] = await em.execute<{ foreign_keys: number }[]>('pragma foreign_keys');
      expect(row.foreign_keys).toBe(1);
    });
  });

  it(':memory: databases work (no WAL there)', async () => {
    const mem = await openDatabase({ url: 'sqlite:///:memory:', migrate: true });
    try {
      const [row] = await mem.connection.execute<{ journal_mode: string }[]>('pragma journal_mode');
      expect(row.journal_mode).toBe('memory');
      expect(await mem.migrator.current()).toBe('0003_failed_runs_index');
    } finally {
      await mem.close();
    }
  });
});
