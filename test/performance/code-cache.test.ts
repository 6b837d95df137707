// The code cache around loading MikroORM and the drivers (src/code-cache). Each case runs a child
// process, because a cache is only used by the next process that loads the same modules.
//
// Most cases load a small CommonJS package from a scratch node_modules folder and need no database:
// the cache is about compiling modules, the same for both dialects. The last case opens each
// dialect, whose drivers load through the cache.
//
// Node.js 22.1 and later have their own compile cache (module.enableCompileCache), and there this
// library leaves module loading alone: the cases that need the cache run on older Node.js only,
// and one case checks that newer Node.js is left alone.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const child = resolve(__dirname, 'code-cache-child.ts');
const nodeHasItsOwn = typeof (Module as unknown as { enableCompileCache?: unknown }).enableCompileCache === 'function';

interface ChildOutput {
  compilerReplacedInScope?: boolean;
  compilerRestored?: boolean;
  fixture?: Record<string, unknown>;
  dynamic?: unknown;
  outside?: unknown;
  error?: { name: string; message: string };
  rows?: unknown;
  status: { enabled: boolean; reason?: string; file?: string; hits: number; misses: number; saves: number };
}

function runChild(env: Record<string, string>): ChildOutput {
  const out = execFileSync(process.execPath, ['--import', tsx, child], {
    env: { ...process.env, ...env },
    encoding: 'utf8',
  });
  return JSON.parse(out.trim().split('\n').pop() ?? '{}');
}

const INDEX = `'use strict';
const dep = require('./dep.js');
exports.value = dep.value;
exports.strict = (function () { return this === undefined; })();
exports.thisIsExports = this === module.exports;
exports.filename = __filename;
exports.dirname = __dirname;
exports.resolved = require.resolve('./dep.js');
exports.hasResolvePaths = Array.isArray(require.resolve.paths('anything'));
exports.hasCache = require.cache[__filename] === module;
exports.dynamic = require('./dynamic.js').dynamic;
`;

let root: string;
let cacheDir: string;
let env: Record<string, string>;

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'overlay-code-cache-'));
  const pkg = join(root, 'node_modules', 'fixture-peer');
  mkdirSync(pkg, { recursive: true });
  writeFileSync(join(pkg, 'index.js'), INDEX);
  writeFileSync(join(pkg, 'dep.js'), "exports.value = 'one';\n");
  // Compiled by Node.js, not from the cache: V8 does not keep import()'s callback in cached code.
  writeFileSync(join(pkg, 'dynamic.js'), "exports.dynamic = () => import('./answer.mjs').then((m) => m.answer);\n");
  writeFileSync(join(pkg, 'answer.mjs'), 'export const answer = 42;\n');
  writeFileSync(join(pkg, 'broken.js'), 'exports.value = ;\n');
  const outside = join(root, 'node_modules', 'outside-peer');
  mkdirSync(outside, { recursive: true });
  writeFileSync(join(outside, 'index.js'), "exports.value = 'outside';\n");
  cacheDir = join(root, 'cache');
  env = { OVERLAY_DB_CODE_CACHE: cacheDir, FIXTURE: pkg, OUTSIDE: outside };
});
afterEach(() => rmSync(root, { recursive: true, force: true }));

const expectedFixture = () => {
  const pkg = join(root, 'node_modules', 'fixture-peer');
  return {
    value: 'one',
    strict: true,
    thisIsExports: true,
    filename: join(pkg, 'index.js'),
    dirname: pkg,
    resolved: join(pkg, 'dep.js'),
    hasResolvePaths: true,
    hasCache: true,
  };
};

describe.runIf(!nodeHasItsOwn)('code cache (Node.js without module.enableCompileCache)', () => {
  it('compiles from source and saves on the first run, from the cache on the next, with the same module behaviour', () => {
    const first = runChild(env);
    expect(first.status).toMatchObject({ enabled: true, hits: 0, misses: 2, saves: 1 });
    expect(first.fixture).toEqual(expectedFixture());
    expect(first.dynamic).toBe(42);
    expect(first.compilerReplacedInScope).toBe(true);
    expect(first.compilerRestored).toBe(true);
    // Loaded after the scope ended: not compiled through the cache (misses stays at 2).
    expect(first.outside).toBe('outside');
    expect(readdirSync(cacheDir)).toEqual([expect.stringMatching(/^v8-v\d+\.\d+\.\d+-\w+-[0-9a-f]{8}\.bin$/)]);

    const second = runChild(env);
    expect(second.status).toMatchObject({ enabled: true, hits: 2, misses: 0, saves: 0 });
    expect(second.fixture).toEqual(expectedFixture());
    expect(second.dynamic).toBe(42);
  });

  it('recompiles a module whose source changed, even to one of the same length', () => {
    runChild(env);
    writeFileSync(join(root, 'node_modules', 'fixture-peer', 'dep.js'), "exports.value = 'two';\n");
    const changed = runChild(env);
    expect(changed.fixture?.value).toBe('two');
    expect(changed.status).toMatchObject({ hits: 1, misses: 1, saves: 1 });
    expect(runChild(env).status).toMatchObject({ hits: 2, misses: 0 });
  });

  it('treats a damaged cache file as empty and replaces it', () => {
    runChild(env);
    const [file] = readdirSync(cacheDir);
    const bytes = readFileSync(join(cacheDir, file));
    writeFileSync(join(cacheDir, file), bytes.subarray(0, Math.floor(bytes.length / 2)));
    const damaged = runChild(env);
    expect(damaged.fixture).toEqual(expectedFixture());
    expect(damaged.status).toMatchObject({ hits: 0, misses: 2, saves: 1 });
    writeFileSync(join(cacheDir, file), 'not a cache at all');
    expect(runChild(env).status).toMatchObject({ hits: 0, misses: 2, saves: 1 });
    expect(runChild(env).status).toMatchObject({ hits: 2, misses: 0 });
  });

  it('runs from source when the cache folder cannot be written', () => {
    writeFileSync(join(root, 'a-file'), '');
    const unwritable = runChild({ ...env, OVERLAY_DB_CODE_CACHE: join(root, 'a-file', 'cache') });
    expect(unwritable.fixture).toEqual(expectedFixture());
    expect(unwritable.status).toMatchObject({ enabled: true, misses: 2, saves: 0 });
  });

  it('leaves a syntax error to Node.js and still ends the scope', () => {
    const broken = runChild({ ...env, FIXTURE: join(root, 'node_modules', 'fixture-peer', 'broken.js') });
    expect(broken.error?.name).toBe('SyntaxError');
    expect(broken.compilerRestored).toBe(true);
    expect(broken.outside).toBe('outside');
  });

  it('is off with OVERLAY_DB_CODE_CACHE=off, and refuses a relative folder', () => {
    const off = runChild({ ...env, OVERLAY_DB_CODE_CACHE: 'off' });
    expect(off.status).toMatchObject({ enabled: false, reason: 'OVERLAY_DB_CODE_CACHE=off' });
    expect(off.compilerReplacedInScope).toBe(false);
    expect(off.fixture).toEqual(expectedFixture());
    const relative = runChild({ ...env, OVERLAY_DB_CODE_CACHE: 'cache' });
    expect(relative.status).toMatchObject({ enabled: false });
    expect(relative.status.reason).toMatch(/absolute path/);
  });
});

describe.runIf(nodeHasItsOwn)('code cache (Node.js with module.enableCompileCache)', () => {
  it("leaves Node's module compiler alone and says why", () => {
    const out = runChild(env);
    expect(out.status).toMatchObject({ enabled: false, hits: 0, misses: 0 });
    expect(out.status.reason).toMatch(/enableCompileCache/);
    expect(out.compilerReplacedInScope).toBe(false);
    expect(out.fixture).toEqual(expectedFixture());
    expect(out.dynamic).toBe(42);
  });
});

describeEachDialect('code cache while opening a database', (dialect) => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => target.drop());

  it(nodeHasItsOwn ? 'is off on this Node.js' : 'caches the driver on the first open and uses it on the next', () => {
    const withDb = { OVERLAY_DB_CODE_CACHE: cacheDir, DATABASE_URL: target.url };
    const first = runChild(withDb);
    expect(first.rows).toEqual([{ one: 1 }]);
    if (nodeHasItsOwn) {
      expect(first.status.enabled).toBe(false);
      return;
    }
    const driverPackage = dialect === 'sqlite' ? '@mikro-orm/sqlite' : '@mikro-orm/postgresql';
    const [file] = readdirSync(cacheDir);
    const cached = readFileSync(join(cacheDir, file)).toString('latin1');
    expect(cached).toContain(`/node_modules/${driverPackage}/index.js`);
    expect(first.status.misses).toBeGreaterThan(0);
    const second = runChild(withDb);
    expect(second.rows).toEqual([{ one: 1 }]);
    expect(second.status).toMatchObject({ enabled: true, misses: 0, saves: 0 });
    expect(second.status.hits).toBe(first.status.misses);
  });
});
