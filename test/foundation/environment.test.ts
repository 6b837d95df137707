import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/index.js';
import { CHILD_TEST_TIMEOUT_MS, runNodeForJson } from '../support/child-process.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const probe = resolve(__dirname, '../support/env-probe.ts');

/** Variables MikroORM.init would merge over its options, and a .env it would load. */
const HOSTILE_ENV = {
  MIKRO_ORM_TYPE: 'postgresql',
  MIKRO_ORM_DB_NAME: 'hijacked',
  MIKRO_ORM_CLIENT_URL: 'postgresql://intruder:secret@127.0.0.1:1/hijacked',
  MIKRO_ORM_HOST: '127.0.0.2',
  MIKRO_ORM_PORT: '1',
  MIKRO_ORM_DEBUG: 'true',
  MIKRO_ORM_MIGRATIONS_TABLE_NAME: 'hijacked_migrations',
};

describeEachDialect("the host's environment cannot re-point the library", (dialect) => {
  let cwd: string;
  let target: TestDatabase;
  beforeEach(async () => {
    cwd = mkdtempSync(join(tmpdir(), 'overlay-env-'));
    writeFileSync(join(cwd, '.env'), 'MIKRO_ORM_DB_NAME=from-dotenv.db\nMIKRO_ORM_TYPE=sqlite\n');
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    rmSync(cwd, { recursive: true, force: true });
    await target.drop();
  });

  it(
    'ignores MIKRO_ORM_* variables and .env, and writes nothing into the working directory',
    async () => {
      // SQLite goes through the default URL (sqlite:///./app.db, relative to the working directory).
      const env = { ...process.env, ...HOSTILE_ENV, DATABASE_URL: dialect === 'sqlite' ? '' : target.url };
      if (dialect === 'sqlite') delete (env as Record<string, string | undefined>).DATABASE_URL;
      const result = await runNodeForJson(['--import', tsx, probe], { cwd, env });
      expect(result).toEqual({ dialect, companies: 1, table: 'overlay_db_migrations' });
      const files = readdirSync(cwd);
      expect(files.filter((f) => f !== '.env' && !f.startsWith('app.db'))).toEqual([]);
      expect(files.includes('app.db')).toBe(dialect === 'sqlite');
      expect(existsSync(join(cwd, 'from-dotenv.db'))).toBe(false);
      expect(existsSync(join(cwd, 'temp'))).toBe(false);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});

it('DATABASE_URL is the default when no url is given, and an explicit url wins over it', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-url-'));
  const previous = process.env.DATABASE_URL;
  try {
    process.env.DATABASE_URL = `sqlite:///${join(dir, 'from-env.db')}`;
    const fromEnv = await openDatabase();
    await fromEnv.close();
    expect(existsSync(join(dir, 'from-env.db'))).toBe(true);
    const explicit = await openDatabase({ url: `sqlite:///${join(dir, 'explicit.db')}` });
    await explicit.close();
    expect(existsSync(join(dir, 'explicit.db'))).toBe(true);
  } finally {
    if (previous === undefined) delete process.env.DATABASE_URL;
    else process.env.DATABASE_URL = previous;
    rmSync(dir, { recursive: true, force: true });
  }
});
