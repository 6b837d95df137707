import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { cli as runInProcess } from '../support/cli-in-process.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

const PASSWORD = 'dotenv-s3cret';

const cli = (argv: string[], cwd: string, env: Record<string, string> = {}) => runInProcess(argv, { cwd, env });

// Issue 16: with DATABASE_URL only in .env, `upgrade head` migrated a brand-new ./app.db.
describeEachDialect('overlay-db reads DATABASE_URL from .env in the working directory', (dialect) => {
  let dir: string;
  let target: TestDatabase;
  let url: string;
  let shown: string;
  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-cli-dotenv-'));
    target = await createTestDatabase(dialect);
    if (dialect === 'sqlite') {
      // A relative path in .env resolves against the working directory, as on the command line.
      mkdirSync(join(dir, 'data'));
      url = 'sqlite:///./data/app.db';
      shown = `sqlite:///${join(dir, 'data', 'app.db')}`;
    } else {
      const withPassword = new URL(target.url);
      withPassword.password = PASSWORD;
      url = withPassword.toString();
      shown = url.replace(`:${PASSWORD}@`, ':***@');
    }
  });
  afterEach(async () => {
    rmSync(dir, { recursive: true, force: true });
    await target.drop();
  });

  it('upgrade head migrates the .env database, says so first, and creates no ./app.db', async () => {
    writeFileSync(join(dir, '.env'), `# deploy settings\nOTHER=1\nDATABASE_URL="${url}"\n`);
    const { code, stdout, stderr } = await cli(['upgrade', 'head'], dir);
    expect(stderr.split('\n')[0]).toBe(`Database: ${shown} (DATABASE_URL from .env)`);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^Applied 0001_initial_schema/);
    expect(stdout + stderr).not.toContain(PASSWORD);
    expect(existsSync(join(dir, 'app.db'))).toBe(false);
    if (dialect === 'sqlite') expect(existsSync(join(dir, 'data', 'app.db'))).toBe(true);
    // The migrations are where .env points: the same database, read with --url, is at head.
    const current = await cli(['current', '--json', '--url', url], dir);
    expect(JSON.parse(current.stdout)).toMatchObject({ ok: true, head: true });
  });

  it('an already-set DATABASE_URL wins over .env, and --url over both', async () => {
    const decoy = join(dir, 'decoy.db');
    writeFileSync(join(dir, '.env'), `DATABASE_URL=sqlite:///${decoy}\n`);
    const fromEnv = await cli(['upgrade', 'head'], dir, { DATABASE_URL: url });
    expect(fromEnv.code).toBe(0);
    expect(fromEnv.stderr.split('\n')[0]).toBe(`Database: ${shown} (DATABASE_URL)`);
    const fromFlag = await cli(['current', '--url', url], dir, { DATABASE_URL: `sqlite:///${decoy}` });
    expect(fromFlag.code).toBe(0);
    expect(fromFlag.stderr.split('\n')[0]).toBe(`Database: ${shown} (--url)`);
    expect(existsSync(decoy)).toBe(false);
  });

  it('with --json the database line goes to stderr and stdout stays one JSON document', async () => {
    writeFileSync(join(dir, '.env'), `DATABASE_URL=${url}\n`);
    const { code, stdout, stderr } = await cli(['upgrade', 'head', '--json'], dir);
    expect(code).toBe(0);
    expect(stderr).toBe(`Database: ${shown} (DATABASE_URL from .env)\n`);
    expect(JSON.parse(stdout)).toMatchObject({ ok: true, command: 'upgrade', database: shown });
    expect(stdout + stderr).not.toContain(PASSWORD);
  });
});

it('with no --url, DATABASE_URL or .env the CLI says it uses the default ./app.db', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-cli-dotenv-'));
  try {
    const { code, stderr } = await cli(['history'], dir);
    expect(stderr.split('\n')[0]).toBe(
      `Database: sqlite:///${join(dir, 'app.db')} (the default: no --url, DATABASE_URL or .env)`,
    );
    expect(code).toBe(1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

it('a .env that cannot be read is a one-line INVALID_INPUT failure (one JSON document with --json)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'overlay-cli-dotenv-'));
  try {
    mkdirSync(join(dir, '.env'));
    const plain = await cli(['upgrade', 'head'], dir);
    expect(plain.code).toBe(1);
    expect(plain.stderr).toBe(`error INVALID_INPUT: Invalid ${join(dir, '.env')}: cannot be read (EISDIR)\n`);
    const json = await cli(['upgrade', 'head', '--json'], dir);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({ ok: false, command: 'upgrade', error: { code: 'INVALID_INPUT' } });
    expect(existsSync(join(dir, 'app.db'))).toBe(false);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
