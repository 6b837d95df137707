import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { cli as runInProcess } from '../support/cli-in-process.js';
import { requestedDialects } from '../support/env.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

const cli = (argv: string[], cwd?: string) => runInProcess(argv, { cwd });

// Issue 16 item 6: `overlay-db --version`; an unknown option is a clean usage error; a revision
// prefix that matches several migrations says "ambiguous".
describe('overlay-db --version', () => {
  it("prints the package's version, and nothing else, and opens no database", async () => {
    const { version } = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string };
    const dir = mkdtempSync(join(tmpdir(), 'overlay-cli-version-'));
    try {
      for (const argv of [['--version'], ['-V']]) {
        const result = await cli(argv, dir);
        expect(result).toEqual({ code: 0, stdout: `${version}\n`, stderr: '' });
      }
      expect(existsSync(join(dir, 'app.db'))).toBe(false);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('overlay-db usage errors', () => {
  it.each([
    [['--frobnicate'], 'unknown option --frobnicate', 'Usage: overlay-db <command> [options]', 'help'],
    [['current', '--frobnicate'], 'unknown option --frobnicate', 'Usage: overlay-db current', 'help current'],
    [['status', '-x'], 'unknown option -x', 'Usage: overlay-db status', 'help status'],
    [['upgrade', 'head', '--jsn'], 'unknown option --jsn', 'Usage: overlay-db upgrade head|<rev>', 'help upgrade'],
  ])('%j: exit 2, one line naming the option, the usage and where help is', async (argv, message, usage, help) => {
    const result = await cli(argv as string[]);
    expect(result.code).toBe(2);
    expect(result.stdout).toBe('');
    expect(result.stderr.split('\n')).toEqual([
      `overlay-db: ${message}`,
      usage,
      `Run \`overlay-db ${help}\` for more.`,
      '',
    ]);
  });
});

describe.runIf(requestedDialects().includes('sqlite'))(
  'overlay-db upgrade with a prefix shared by several migrations',
  () => {
    let dir: string;
    beforeEach(() => {
      dir = mkdtempSync(join(tmpdir(), 'overlay-cli-ambiguous-'));
    });
    afterEach(() => rmSync(dir, { recursive: true, force: true }));

    it('says "ambiguous", lists the migrations it matches and creates nothing', async () => {
      const path = join(dir, 'app.db');
      const result = await cli(['upgrade', '0', '--url', `sqlite:///${path}`], dir);
      expect(result.code).toBe(1);
      expect(result.stderr.trim().split('\n')[1]).toBe(
        'error INVALID_INPUT: Invalid to: ambiguous revision "0": matches 0001_initial_schema, 0002_health_summary_index, 0003_failed_runs_index; give more of the name',
      );
      expect(existsSync(path)).toBe(false);
    });
  },
);
