// The library leaves Node's module loader alone and writes no file but the database: loading it
// or opening a database never assigns Module.prototype._compile, adds no exit hook or timer, and
// nothing it reads from disk (such as a code cache under OVERLAY_DB_CODE_CACHE) can run as one of
// its dependencies. Each case is a child process (side-effect-probe.mjs), which starts with Node's
// own compiler. Not a database-dialect test: SQLite files in a scratch folder.
import { existsSync, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHILD_TEST_TIMEOUT_MS, runNodeForJson } from '../support/child-process.js';

const ROOT = resolve(__dirname, '../..');
const PROBE = join(__dirname, 'side-effect-probe.mjs');
const tsx = createRequire(import.meta.url).resolve('tsx');
const DIST_CJS = join(ROOT, 'dist/index.cjs');
const DIST_ESM = join(ROOT, 'dist/index.js');
// Where the library used to write its code cache when OVERLAY_DB_CODE_CACHE was not set.
const OLD_CACHE_DIR = join(ROOT, 'node_modules/.cache/@overlay/db');

interface Snapshot {
  compileWrites: string[];
  compileIsNodes: boolean;
  exitListeners: number;
  beforeExitListeners: number;
  timersStarted: string[];
}
interface ProbeOutput {
  before: Snapshot;
  afterImport: Snapshot;
  afterOpen: Snapshot;
  rows?: unknown;
  openError?: string;
  craftedRan: boolean;
}

let dir: string;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'overlay-no-side-effects-'));
});
afterEach(() => rmSync(dir, { recursive: true, force: true }));

function probe(args: string[], entry: string, env: Record<string, string> = {}): Promise<ProbeOutput> {
  const childEnv: NodeJS.ProcessEnv = {
    ...process.env,
    PROBE_ENTRY: entry,
    PROBE_ROOT: ROOT,
    PROBE_DB_URL: `sqlite:///${join(dir, 'probe.db')}`,
    ...env,
  };
  if (!env.OVERLAY_DB_CODE_CACHE) delete childEnv.OVERLAY_DB_CODE_CACHE;
  delete childEnv.NODE_COMPILE_CACHE;
  return runNodeForJson([...args, PROBE], { cwd: dir, env: childEnv });
}

/** Files in the folder the code cache used to fill, changed since `since`. */
function oldCacheWrittenSince(since: number): string[] {
  if (!existsSync(OLD_CACHE_DIR)) return [];
  return readdirSync(OLD_CACHE_DIR).filter((f) => statSync(join(OLD_CACHE_DIR, f)).mtimeMs >= since);
}

function expectNoSideEffects(out: ProbeOutput): void {
  expect(out.openError).toBeUndefined();
  expect(out.rows).toEqual([{ one: 1 }]);
  expect(out.afterImport.compileWrites).toEqual([]);
  expect(out.afterOpen.compileWrites).toEqual([]);
  expect(out.afterOpen.compileIsNodes).toBe(true);
  expect(out.afterImport.exitListeners).toBe(out.before.exitListeners);
  expect(out.afterImport.beforeExitListeners).toBe(out.before.beforeExitListeners);
  expect(out.afterImport.timersStarted).toEqual([]);
  expect(out.afterOpen.exitListeners).toBe(out.before.exitListeners);
  // The database and its WAL files, nothing else.
  expect(readdirSync(dir).filter((f) => !/^probe\.db(-wal|-shm|-journal)?$/.test(f))).toEqual([]);
}

describe('the library leaves Node’s module compiler alone', () => {
  it(
    'importing the sources and opening a database never assigns Module.prototype._compile, adds no hook and writes no file',
    async () => {
      const since = Date.now() - 1000;
      const out = await probe(['--import', tsx], pathToFileURL(join(ROOT, 'src/index.ts')).href);
      expectNoSideEffects(out);
      expect(oldCacheWrittenSince(since)).toEqual([]);
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    'a crafted code-cache entry in OVERLAY_DB_CODE_CACHE does not run as @mikro-orm/sqlite',
    async () => {
      const cache = join(dir, 'cache');
      const out = await probe(['--import', tsx], pathToFileURL(join(ROOT, 'src/index.ts')).href, {
        OVERLAY_DB_CODE_CACHE: cache,
        PROBE_CRAFTED_CACHE: cache,
      });
      expect(out.craftedRan).toBe(false);
      expect(out.openError).toBeUndefined();
      expect(out.rows).toEqual([{ one: 1 }]);
      // Only the crafted file the probe wrote: the library added nothing.
      expect(readdirSync(cache)).toHaveLength(1);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});

// The built package is what hosts run, and its bundle once opened a compiler scope in its first
// line. These need `npm run build` (the installed-package smoke runs the same checks on a packed copy).
describe.runIf(existsSync(DIST_CJS))('the built package has no side effects (dist/)', () => {
  it(
    'require(dist/index.cjs) and opening a database touch neither the compiler, exit hooks, timers nor files',
    async () => {
      const since = Date.now() - 1000;
      expectNoSideEffects(await probe([], pathToFileURL(DIST_CJS).href));
      expect(oldCacheWrittenSince(since)).toEqual([]);
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it(
    'import(dist/index.js) and opening a database touch neither the compiler, exit hooks, timers nor files',
    async () => {
      const since = Date.now() - 1000;
      expectNoSideEffects(await probe([], pathToFileURL(DIST_ESM).href));
      expect(oldCacheWrittenSince(since)).toEqual([]);
    },
    CHILD_TEST_TIMEOUT_MS,
  );
});
