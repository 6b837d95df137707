import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli as runInProcess } from '../support/cli-in-process.js';
import { requestedDialects } from '../support/env.js';

const cli = (argv: string[], cwd?: string) => runInProcess(argv, { cwd });

// Issue 16: `current`, `history` and `check` on a path with no file created a database there
// (so did downgrade and adopt: only upgrade makes a database).
describe.runIf(requestedDialects().includes('sqlite'))('CLI commands but upgrade on a SQLite path with no file', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-cli-nodb-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  for (const command of [['current'], ['history'], ['check'], ['downgrade', 'base'], ['adopt']]) {
    it(`${command.join(' ')} fails with DATABASE_ERROR: no database at …, and creates nothing`, async () => {
      const path = join(dir, 'missing.db');
      const { code, stdout, stderr } = await cli([...command, '--url', `sqlite:///${path}`], dir);
      expect(code).toBe(1);
      expect(stdout).toBe('');
      expect(stderr.trim().split('\n')).toEqual([
        `Database: sqlite:///${path} (--url)`,
        `error DATABASE_ERROR: no database at ${path}`,
      ]);
      expect(readdirSync(dir)).toEqual([]);
    });
  }

  it('the same through the default ./app.db and --json: one JSON document, nothing created', async () => {
    const { code, stdout } = await cli(['current', '--json'], dir);
    expect(code).toBe(1);
    expect(JSON.parse(stdout)).toMatchObject({
      ok: false,
      error: { code: 'DATABASE_ERROR', message: `no database at ${join(dir, 'app.db')}` },
    });
    expect(readdirSync(dir)).toEqual([]);
  });
});
