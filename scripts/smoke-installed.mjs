// The package tested as installed: packs it (`npm pack`), installs the tarball with its peers into a
// scratch host project outside the repository, and there runs, under each Node binary given:
//   esm.mjs       `import … from '@overlay/db'`: migrate a fresh SQLite file and a fresh PostgreSQL
//                 database, create a company and its admin, read them back through a tenant scope;
//   cjs.cjs       the same through `require('@overlay/db')`, on two more fresh databases;
//   one-copy.mjs  `import` and `require` in one process give one copy of the library;
//   no-side-effects.mjs  importing the package and opening a database never assign
//                 Module.prototype._compile, start no timer or exit hook, and write nothing in
//                 node_modules/.cache;
//   overlay-db    the bin, through `npx`: current, upgrade head, current, history, check;
// and once, `tsc` over a `.mts` and a `.cts` file that use the package's types (module node16).
// The host files come from test/package/installed/ and use node built-ins only; nothing in the host
// can reach the repository's files or node_modules.
//
//   node scripts/smoke-installed.mjs [--node /path/to/node ...] [--keep]
// Needs a build (npm run build) and PostgreSQL (OVERLAY_TEST_PG_URL, default
// postgresql://postgres@127.0.0.1:5432/test; with SMOKE_DIALECTS=sqlite it is not needed).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { cpSync, existsSync, mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const MIKRO_ORM = '6.6.16';
const TYPESCRIPT = '5.9.3';
const TYPES_NODE = '20.19.43';
const admin = process.env.OVERLAY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const dialects = (process.env.SMOKE_DIALECTS ?? 'sqlite,postgresql').split(',');

const args = process.argv.slice(2);
const keep = args.includes('--keep');
const nodes = [process.execPath];
for (let i = 0; i < args.length; i++) {
  if (args[i] === '--node') nodes.push(resolve(args[++i]));
  else if (args[i] !== '--keep') usage(`unknown argument ${args[i]}`);
}
function usage(message) {
  console.error(`${message}\nUsage: node scripts/smoke-installed.mjs [--node /path/to/node ...] [--keep]`);
  process.exit(2);
}

let passed = 0;
let failed = 0;
const started = Date.now();

for (const f of ['dist/index.cjs', 'dist/index.js', 'dist/esm-bridge.cjs', 'dist/index.d.cts', 'dist/cli.cjs']) {
  if (!existsSync(join(repo, f))) usage(`${f} is missing: run \`npm run build\` first`);
}

const host = realpathSync(mkdtempSync(join(tmpdir(), 'overlay-db-host-')));
if (!relative(repo, host).startsWith('..')) {
  // Node would resolve '@overlay/db' and its peers from the repository's node_modules.
  usage(`the scratch host ${host} is inside the repository; set TMPDIR elsewhere`);
}
console.log(`host project: ${host}`);

try {
  const tarball = pack();
  install(tarball);
  for (const node of nodes) await smokeWith(node);
  typecheck();
} catch (error) {
  failed++;
  console.error(`FAIL ${error?.stack ?? error}`);
} finally {
  if (keep) console.log(`kept ${host}`);
  else rmSync(host, { recursive: true, force: true });
}
console.log(`installed-package smoke: ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

/** Runs a command; throws with its output when it fails. */
function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, {
    cwd: host,
    encoding: 'utf8',
    timeout: 15 * 60_000,
    ...options,
    // npm_* variables of an enclosing `npm run` would point a nested npm at the repository.
    env: { ...cleanEnv(), ...options.env },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(' ')} exited ${result.status ?? result.signal}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

function check(name, fn) {
  try {
    const out = fn();
    passed++;
    console.log(`ok   ${name}`);
    if (out) console.log(out.replace(/^(?:ok {3})?/gm, '       '));
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}\n${error?.message ?? error}`);
  }
}

function pack() {
  const t = Date.now();
  // --ignore-scripts: pack exactly the build under test, with no prepare/prepack step in between.
  const result = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', host], { cwd: repo });
  const [info] = JSON.parse(result.stdout);
  const files = info.files.map((f) => f.path).sort();
  console.log(
    `packed ${info.filename}: ${(info.size / 1024).toFixed(0)} KiB packed, ` +
      `${(info.unpackedSize / 1024).toFixed(0)} KiB unpacked, ${info.entryCount} files (${Date.now() - t} ms)`,
  );
  for (const f of info.files) console.log(`  ${String(f.size).padStart(8)}  ${f.path}`);
  check('the tarball holds dist, README, CHANGELOG and package.json only', () => {
    const stray = files.filter((f) => !/^(dist\/|README\.md$|CHANGELOG\.md$|LICENSE$|package\.json$)/.test(f));
    if (stray.length) throw new Error(`unexpected files: ${stray.join(', ')}`);
    for (const needed of [
      'dist/index.cjs',
      'dist/index.js',
      'dist/esm-bridge.cjs',
      'dist/index.d.ts',
      'dist/index.d.cts',
      'dist/cli.cjs',
    ]) {
      if (!files.includes(needed)) throw new Error(`missing ${needed}`);
    }
  });
  return join(host, info.filename);
}

function install(tarball) {
  writeFileSync(
    join(host, 'package.json'),
    // allowScripts: npm 11 asks hosts to approve install scripts; sqlite3 builds its native addon in one.
    `${JSON.stringify({ name: 'overlay-db-smoke-host', version: '0.0.0', private: true, allowScripts: { sqlite3: true } }, null, 2)}\n`,
  );
  const sources = join(repo, 'test', 'package', 'installed');
  for (const f of readdirSync(sources)) cpSync(join(sources, f), join(host, f));
  const t = Date.now();
  const peers = ['core', 'knex', 'migrations', 'sqlite', 'postgresql'].map((p) => `@mikro-orm/${p}@${MIKRO_ORM}`);
  run('npm', [
    'install',
    '--prefer-offline',
    '--no-audit',
    '--no-fund',
    '--save-exact',
    tarball,
    ...peers,
    `typescript@${TYPESCRIPT}`,
    `@types/node@${TYPES_NODE}`,
  ]);
  console.log(`installed the tarball and its peers in ${Math.round((Date.now() - t) / 1000)} s`);
  check('the installed package is the tarball, not a link into the repository', () => {
    const installed = realpathSync(join(host, 'node_modules', '@overlay', 'db'));
    if (!installed.startsWith(host)) throw new Error(`node_modules/@overlay/db resolves to ${installed}`);
  });
}

async function smokeWith(node) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  console.log(`\n--- node ${version} (${node})`);
  // The bin's `#!/usr/bin/env node` and npx pick this node up from PATH.
  const env = { PATH: `${dirname(node)}${delimiter}${process.env.PATH}` };
  const dbs = [];
  const fresh = async (label, dialect) => {
    const name = `smoke_${label}_${randomBytes(4).toString('hex')}`;
    if (dialect === 'sqlite') return { dialect, url: `sqlite:///${join(host, `${name}.db`)}` };
    await adminQuery(`create database ${name}`);
    dbs.push(name);
    const u = new URL(admin);
    u.pathname = `/${name}`;
    return { dialect, url: u.toString() };
  };
  try {
    const targets = [];
    for (const entry of ['esm', 'cjs']) {
      for (const dialect of dialects) targets.push({ entry, ...(await fresh(entry, dialect)) });
    }
    const smokeEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets) };
    check(`[${version}] import '@overlay/db' (${dialects.join(', ')})`, () =>
      run(node, ['esm.mjs'], { env: smokeEnv }).stdout.trim(),
    );
    check(`[${version}] require('@overlay/db') (${dialects.join(', ')})`, () =>
      run(node, ['cjs.cjs'], { env: smokeEnv }).stdout.trim(),
    );
    check(`[${version}] one copy through import and require`, () => run(node, ['one-copy.mjs'], { env }).stdout.trim());
    check(`[${version}] no side effects on Node's module loader, timers or files`, () =>
      noSideEffectsCheck(node, env, version),
    );
    check(`[${version}] the sqlite3 native addon loads`, () => {
      const probe =
        "const s=require('sqlite3');new s.Database(':memory:').close();console.log(process.versions.modules)";
      return `ABI ${run(node, ['-e', probe], { env }).stdout.trim()}`;
    });
    for (const dialect of dialects) {
      const { url } = await fresh('cli', dialect);
      const cli = (...cliArgs) => run('npx', ['--no-install', 'overlay-db', ...cliArgs, '--url', url], { env }).stdout;
      check(`[${version}] npx overlay-db current/upgrade head/history/check [${dialect}]`, () => {
        expect(cli('current'), /^base\b/, 'current on a fresh database');
        expect(
          cli('upgrade', 'head'),
          /^Applied 0001_initial_schema \(\d+ ms\)\nApplied 0002_health_summary_index \(\d+ ms\)\nUpgraded to 0002_health_summary_index: 2 migrations applied in \d+ ms\.$/m,
          'upgrade head',
        );
        expect(cli('current'), /^0002_health_summary_index \(head\)$/m, 'current after upgrade');
        expect(
          cli('history'),
          /^0001_initial_schema +applied \S+\n0002_health_summary_index +applied \S+ +\(current, head\)$/m,
          'history',
        );
        expect(cli('check'), /In sync/, 'check');
        const json = JSON.parse(cli('history', '--json'));
        const names = json.migrations?.map((m) => `${m.name}:${m.applied}`).join(',');
        if (
          json.current !== '0002_health_summary_index' ||
          names !== '0001_initial_schema:true,0002_health_summary_index:true'
        ) {
          throw new Error(`history --json: ${JSON.stringify(json)}`);
        }
      });
    }
  } finally {
    for (const name of dbs) await adminQuery(`drop database if exists ${name} with (force)`);
  }
}

/** The host's node_modules/.cache, where the library once kept a code cache, gains nothing of ours. */
function noSideEffectsCheck(node, env, version) {
  const ours = join(host, 'node_modules', '.cache', '@overlay');
  const smokeEnv = { ...env, SMOKE_SQLITE_URL: `sqlite:///${join(host, `no-side-effects-${version}.db`)}` };
  expect(run(node, ['no-side-effects.mjs'], { env: smokeEnv }).stdout, /\[\{"one":1\}\]/, 'first query');
  if (existsSync(ours)) throw new Error(`${ours} was written`);
}

function typecheck() {
  check('tsc (module node16) over a .mts and a .cts host file', () => {
    run(process.execPath, [join(host, 'node_modules', 'typescript', 'bin', 'tsc'), '-p', 'tsconfig.json']);
  });
}

function expect(output, pattern, what) {
  if (!pattern.test(output)) throw new Error(`${what}: expected ${pattern}, got:\n${output}`);
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}
