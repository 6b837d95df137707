import { mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runNodeForJson } from '../support/child-process.js';
import { createTestDatabase, describeEachDialect, PG_ADMIN_URL, type TestDatabase } from '../support/dialects.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const child = resolve(__dirname, 'support/failed-open-child.ts');

// The child exits by itself or not at all: it is waited on by its exit (a hung one meets the guard).
function openInChild(env: Record<string, string>): Promise<{ code?: string; message?: string; opened?: boolean }> {
  return runNodeForJson(['--import', tsx, child], { env: { ...process.env, ...env } });
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

  it(
    'that cannot connect is a DATABASE_ERROR, and the process exits by itself',
    async () => {
      let url: string;
      if (dialect === 'sqlite') {
        // A folder where the database file should be: SQLite fails as it opens the connection.
        url = `sqlite:///${dir}`;
      } else {
        const missing = new URL(PG_ADMIN_URL);
        missing.pathname = `/overlay_missing_${process.pid}_${Date.now()}`;
        url = missing.toString();
      }
      const result = await openInChild({ DATABASE_URL: url });
      expect(result.code).toBe('DATABASE_ERROR');
      expect(result.message).toMatch(dialect === 'sqlite' ? /SQLITE_CANTOPEN|unable to open/ : /does not exist/);
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    'that fails to discover an entity is a DATABASE_ERROR, and the process exits by itself',
    async () => {
      const result = await openInChild({ DATABASE_URL: target.url, BROKEN_ENTITY: '1' });
      expect(result.code).toBe('DATABASE_ERROR');
      expect(result.message).toMatch(/Missing/);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
