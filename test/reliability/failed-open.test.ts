import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect, PG_ADMIN_URL, type TestDatabase } from '../support/dialects.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const child = resolve(__dirname, 'support/failed-open-child.ts');

function openInChild(env: Record<string, string>): { code?: string; message?: string; opened?: boolean } {
  const out = execFileSync(process.execPath, ['--import', tsx, child], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
    timeout: 20_000,
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}');
}

// src/database/create-orm.ts discovers the entities, then connects. When either fails, what was
// opened must be closed before the error reaches the caller.
describeEachDialect('a failed open', (dialect) => {
  let dir: string;
  let target: TestDatabase;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-failed-open-'));
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.drop();
  });

  it('that cannot connect is a DATABASE_ERROR, and the process exits by itself', () => {
    let url: string;
    if (dialect === 'sqlite') {
      // A folder where the database file should be: SQLite fails as it opens the connection.
      url = `sqlite:///${dir}`;
    } else {
      const missing = new URL(PG_ADMIN_URL);
      missing.pathname = `/overlay_missing_${process.pid}_${Date.now()}`;
      url = missing.toString();
    }
    const result = openInChild({ DATABASE_URL: url });
    expect(result.code).toBe('DATABASE_ERROR');
    expect(result.message).toMatch(dialect === 'sqlite' ? /SQLITE_CANTOPEN|unable to open/ : /does not exist/);
  });

  it('that fails to discover an entity is a DATABASE_ERROR, and the process exits by itself', () => {
    const result = openInChild({ DATABASE_URL: target.url, BROKEN_ENTITY: '1' });
    expect(result.code).toBe('DATABASE_ERROR');
    expect(result.message).toMatch(/Missing/);
  });
});
