import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runNode } from '../support/child-process.js';
import { requestedDialects } from '../support/env.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** Runs the real entry point in a child process, as the `overlay-db` bin would run. */
function spawnCli(argv: string[], env: Record<string, string> = {}) {
  return runNode(['--import', 'tsx', 'src/cli/main.ts', ...argv], {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
}

/** The entry point run from another working directory (tsx loaded by its path, not from the cwd). */
function spawnCliIn(cwd: string, argv: string[]) {
  const tsx = pathToFileURL(createRequire(import.meta.url).resolve('tsx')).href;
  return runNode(['--import', tsx, join(ROOT, 'src/cli/main.ts'), ...argv], {
    cwd,
    env: { PATH: process.env.PATH ?? '' },
  });
}

// SQLite-only: this checks the entry point's process behaviour (exit codes, streams); the
// commands themselves are tested on both dialects in run-cli.test.ts.
describe.runIf(requestedDialects().includes('sqlite'))('overlay-db as a child process', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-cli-process-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it(
    'exits 0 on success, 1 on failure with one line, 2 on usage errors',
    async () => {
      const url = `sqlite:///${join(dir, 'app.db')}`;
      const [upgrade, usage] = await Promise.all([
        spawnCli(['upgrade', 'head'], { DATABASE_URL: url }),
        spawnCli(['downgrade']),
      ]);
      expect(upgrade.code).toBe(0);
      expect(upgrade.stdout).toMatch(
        /^Applied 0001_initial_schema \(\d+ ms\)\nApplied 0002_health_summary_index \(\d+ ms\)\nApplied 0003_failed_runs_index \(\d+ ms\)$/m,
      );
      expect(usage.code).toBe(2);
      expect(usage.stderr).toMatch(/downgrade takes exactly one revision/);

      const current = await spawnCli(['current', '--json', '--url', url]);
      expect(current.code).toBe(0);
      expect(JSON.parse(current.stdout)).toMatchObject({ ok: true, current: '0003_failed_runs_index', head: true });

      const failed = await spawnCli(['upgrade', 'nope', '--url', url]);
      expect(failed.code).toBe(1);
      expect(failed.stdout).toBe('');
      expect(failed.stderr.trim().split('\n')).toEqual([
        `Database: ${url} (--url)`,
        'error INVALID_INPUT: Invalid to: unknown revision "nope"; known: 0001_initial_schema, 0002_health_summary_index, 0003_failed_runs_index',
      ]);
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    'reads DATABASE_URL from the .env of its working directory and says so first',
    async () => {
      const cwd = mkdtempSync(join(dir, 'project-'));
      writeFileSync(join(cwd, '.env'), 'DATABASE_URL=sqlite:///./from-dotenv.db\n');
      const upgrade = await spawnCliIn(cwd, ['upgrade', 'head']);
      expect(upgrade.stderr.split('\n')[0]).toBe(
        `Database: sqlite:///${join(cwd, 'from-dotenv.db')} (DATABASE_URL from .env)`,
      );
      expect(upgrade.code).toBe(0);
      expect(existsSync(join(cwd, 'from-dotenv.db'))).toBe(true);
      expect(existsSync(join(cwd, 'app.db'))).toBe(false);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
