// The package tested as installed: packs it (`npm pack`), installs the tarball into scratch host
// projects outside the repository, and checks it there. MikroORM pins its packages to each other
// exactly, so a host installs them as one set: the lowest this package supports (the floor of its
// peer ranges, 7.2.1) and the newest version that every one of @mikro-orm/{core, sql, migrations,
// sqlite, postgresql} has in the registry (computed here with `npm view`; the same as the lowest
// when no newer complete set exists). Installs use no --force or --legacy-peer-deps. Per set:
//
// host "full": the tarball, the five @mikro-orm packages, TypeScript and @types/node. Under each
// Node binary given:
//   esm.mjs       `import … from '@overlay/db'`: migrate a fresh SQLite file and a fresh PostgreSQL
//                 database, create a company and its admin, read them back through a tenant scope;
//   cjs.cjs       the same through `require('@overlay/db')`, on two more fresh databases, and
//                 `require('@overlay/db').Company === (await import('@overlay/db')).Company`;
//   one-copy.mjs  `import` and `require` in one process give one module (one copy of every class);
//   no-side-effects.mjs  importing the package and opening a database never assign
//                 Module.prototype._compile, start no timer or exit hook, and write nothing in
//                 node_modules/.cache;
//   better-sqlite3 (the default SQLite driver, a dependency of @mikro-orm/sqlite) loads;
//   overlay-db    the bin, through `npx`: current (on SQLite: fails on the missing file, creates
//                 none), upgrade head, current, history, check.
//   embedding.mjs (first Node only) db.transaction across services and scopes, the onQuery hook
//                 (no password, hash or invite token in its events; a throwing hook breaks nothing),
//                 and the services on the host's own MikroORM SQLite connection with foreign keys off.
// Once: `tsc` (module nodenext, no skipLibCheck) over an ESM (.mts) and a CommonJS (.cts) host
// file; and the TypeScript cost of the package: `tsc --noEmit --extendedDiagnostics` (no
// skipLibCheck) of a host that uses MikroORM only (cost-orm.mts) and of the same host that also
// uses the package (cost-package.mts re-exports cost-orm.mts), beside a host with Node's types only;
// medians of alternating rounds. The package may add at most 10% to the MikroORM-only host's tsc
// time and type count, or the check fails. The time compared is the CPU time of the tsc process
// (tsc-timed.cjs); tsc's own wall-clock total is printed beside it but is not compared, as on a
// shared machine it swings by tens of percent with the load of other processes.
//
// host "no-sqlite": the tarball with @mikro-orm/{core, sql, migrations} only (no @mikro-orm/sqlite,
// so no better-sqlite3): a sqlite URL then runs on Node's built-in node:sqlite. Under each Node:
// esm.mjs and cjs.cjs on a fresh SQLite file, and the bin's upgrade head/check.
//
// host "bundler" (first Node only): the full set and esbuild (the version the repository builds
// with). workflow-app.mjs (open with migrate: true, sign-up, workflow create/list/get with
// steps/record a run) bundled the two ways esbuild's docs give for packages it cannot bundle:
//   natives external  --bundle --platform=node --format=esm --external:better-sqlite3
//                     --external:pg-native and the createRequire banner; run from a folder that
//                     holds the bundle and node_modules/better-sqlite3 only, on SQLite (on
//                     better-sqlite3, checked) and PostgreSQL;
//   packages external --packages=external (and the banner, for the host's own CommonJS files):
//                     run beside the host's node_modules, on both;
//   no-sqlite host    that host's workflow-app.mjs bundled with nothing external (neither
//                     @mikro-orm package of a driver is installed), run alone in a folder on node:sqlite.
//
// host "postgresql-only" (first Node only): the tarball with @mikro-orm/{core, sql, migrations,
// postgresql}: no @mikro-orm/sqlite and no better-sqlite3 installed (`npm ls better-sqlite3` is
// empty), no package with an install script, no native addon (`*.node`) or build/ folder in
// node_modules; workflow-app.mjs on a fresh PostgreSQL database, and the bin's upgrade head/check.
//
// host "host-migrations-cli" (first Node only; issue 16 items 1 and 6): the full set.
//   host-migrations.mjs  a host with its own MikroORM entity referencing our Company and
//                 hostMigrationsConfig() generates its migration with MikroORM's migrator on a fresh
//                 database (a file that names none of our tables), runs ours with our runner, then
//                 its own with orm.migrator.up(); check() is clean; then the bin says `current` is
//                 head, `check` in sync and `status` up to date, on SQLite and PostgreSQL;
//   the bin never guesses: with DATABASE_URL only in ./.env it uses that database and names it
//                 first on stderr, password masked; `status` exits 1 with a migration pending and 0
//                 at head; `--version` is the installed package.json's; an unknown option exits 2
//                 with one line; `current` on a missing SQLite file fails and creates none; a prefix
//                 shared by several migrations is "ambiguous"; a database made by the Python
//                 backend is refused by upgrade, current and status, naming its Alembic revision and
//                 `overlay-db adopt`, and left as it was (byte for byte on SQLite); so is a SQLite
//                 file on which `upgrade head` fails (an index named as one of ours).
//
// The host files come from test/package/installed/ and use node built-ins only; nothing in a host
// can reach the repository's files or node_modules.
//
//   node scripts/smoke-installed.mjs [--node /path/to/node ...] [--keep]
// Needs a build (npm run build) and PostgreSQL (OVERLAY_TEST_PG_URL, default
// postgresql://postgres@127.0.0.1:5432/test; with SMOKE_DIALECTS=sqlite it is not needed).
// SMOKE_MIKRO_ORM=7.2.1[,…] replaces the computed sets (for instance offline, with npm's cache).
// SMOKE_HOSTS=bundler[,…] runs some of the hosts only (full, no-sqlite, bundler, postgresql-only).
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  cpSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  realpathSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { availableParallelism, loadavg, tmpdir } from 'node:os';
import { delimiter, dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const manifest = JSON.parse(readFileSync(join(repo, 'package.json'), 'utf8'));
const TYPESCRIPT = manifest.devDependencies.typescript;
const TYPES_NODE = manifest.devDependencies['@types/node'];
const ORM_PACKAGES = ['core', 'sql', 'migrations', 'sqlite', 'postgresql'].map((p) => `@mikro-orm/${p}`);
const ORM_WITHOUT_SQLITE = ['core', 'sql', 'migrations'].map((p) => `@mikro-orm/${p}`);
const ORM_POSTGRESQL_ONLY = ['core', 'sql', 'migrations', 'postgresql'].map((p) => `@mikro-orm/${p}`);
// The esbuild the repository builds with (tsup's), for the bundler host.
const ESBUILD = JSON.parse(readFileSync(join(repo, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
/** The most the package may add to a MikroORM-only host's `tsc` time and type count. */
const TS_COST_LIMIT = 0.1;
const TS_COST_RUNS = Number(process.env.SMOKE_TS_COST_RUNS ?? 7);
/** esbuild's createRequire banner for an ESM bundle whose bundled CommonJS code calls `require`. */
const ESM_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

const admin = process.env.OVERLAY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const dialects = (process.env.SMOKE_DIALECTS ?? 'sqlite,postgresql').split(',');
const HOSTS = ['full', 'no-sqlite', 'bundler', 'postgresql-only', 'host-migrations-cli'];
const hosts = (process.env.SMOKE_HOSTS ?? HOSTS.join(',')).split(',');

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

for (const h of hosts) if (!HOSTS.includes(h)) usage(`SMOKE_HOSTS: unknown host ${h} (hosts: ${HOSTS.join(', ')})`);
for (const node of nodes) {
  const v = spawnSync(node, ['-p', 'process.versions.node'], { encoding: 'utf8' }).stdout.trim();
  const [major, minor] = v.split('.').map(Number);
  if (!(major > 22 || (major === 22 && minor >= 17))) usage(`${node} is Node ${v || '?'}; the package needs 22.17+`);
}

let passed = 0;
let failed = 0;
const started = Date.now();

for (const f of ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts', 'dist/cli.js']) {
  if (!existsSync(join(repo, f))) usage(`${f} is missing: run \`npm run build\` first`);
}

const root = realpathSync(mkdtempSync(join(tmpdir(), 'overlay-db-smoke-')));
if (!relative(repo, root).startsWith('..')) {
  // Node would resolve '@overlay/db' and its peers from the repository's node_modules.
  usage(`the scratch folder ${root} is inside the repository; set TMPDIR elsewhere`);
}
for (let dir = dirname(root); ; dir = dirname(dir)) {
  // A node_modules above the hosts would let them resolve packages they did not install.
  if (existsSync(join(dir, 'node_modules'))) usage(`${join(dir, 'node_modules')} is above the scratch folder`);
  if (dirname(dir) === dir) break;
}
console.log(`scratch folder: ${root}`);

try {
  const sets = mikroOrmSets();
  const tarball = pack();
  for (const { version, label } of sets) {
    console.log(`\n=== MikroORM ${version} (${label})`);
    if (hosts.includes('full')) {
      const full = install(`mikro-orm-${version}`, tarball, ORM_PACKAGES, version, true);
      for (const node of nodes) await smokeFull(full, node);
      await smokeEmbedding(full, nodes[0]);
      typecheck(full);
      typescriptCost(full, version);
    }
    let lean;
    if (hosts.includes('no-sqlite')) {
      lean = install(`mikro-orm-${version}-no-sqlite`, tarball, ORM_WITHOUT_SQLITE, version, false);
      check(`[${version}] the no-sqlite host has neither @mikro-orm/sqlite nor better-sqlite3`, () => {
        for (const p of ['@mikro-orm/sqlite', 'better-sqlite3']) {
          if (existsSync(join(lean, 'node_modules', p))) throw new Error(`${p} is installed`);
        }
      });
      for (const node of nodes) await smokeNodeSqlite(lean, node);
    }
    if (hosts.includes('bundler')) {
      const bundler = install(`mikro-orm-${version}-bundler`, tarball, ORM_PACKAGES, version, false, [
        `esbuild@${ESBUILD}`,
      ]);
      await smokeBundler(bundler, nodes[0], lean);
    }
    if (hosts.includes('postgresql-only') && dialects.includes('postgresql')) {
      const pgOnly = install(`mikro-orm-${version}-postgresql-only`, tarball, ORM_POSTGRESQL_ONLY, version, false);
      await smokePostgresqlOnly(pgOnly, nodes[0]);
    }
    if (hosts.includes('host-migrations-cli')) await smokeHostMigrationsAndCli(tarball, version, nodes[0]);
  }
} catch (error) {
  failed++;
  console.error(`FAIL ${error?.stack ?? error}`);
} finally {
  if (keep) console.log(`kept ${root}`);
  else rmSync(root, { recursive: true, force: true });
}
console.log(`installed-package smoke: ${Math.round((Date.now() - started) / 1000)} s`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);

/** Runs a command; throws with its output when it fails. */
function run(command, commandArgs, options = {}) {
  const result = spawnSync(command, commandArgs, {
    encoding: 'utf8',
    timeout: 15 * 60_000,
    ...options,
    // npm_* variables of an enclosing `npm run` would point a nested npm at the repository.
    env: { ...cleanEnv(), ...options.env },
  });
  if (result.status !== 0) {
    throw new Error(
      `${command} ${commandArgs.join(' ')} exited ${result.status ?? result.signal ?? result.error}\n${result.stdout}\n${result.stderr}`,
    );
  }
  return result;
}

/** stdout, and stderr's lines (warnings) marked as such, for a check's output. */
function output(result) {
  const err = result.stderr.trim();
  return `${result.stdout.trim()}${err ? `\n${err.replace(/^/gm, 'stderr: ')}` : ''}`;
}

function cleanEnv() {
  const env = {};
  for (const [k, v] of Object.entries(process.env)) if (!/^npm_/i.test(k)) env[k] = v;
  return env;
}

/** Runs one check and prints its outcome; true when it passed. */
function check(name, fn) {
  try {
    const out = fn();
    passed++;
    console.log(`ok   ${name}`);
    if (out) console.log(out.replace(/^(?:ok {3})?/gm, '       '));
    return true;
  } catch (error) {
    failed++;
    console.log(`FAIL ${name}\n${error?.message ?? error}`);
    return false;
  }
}

// --- MikroORM versions ----------------------------------------------------------------------

function parseVersion(v) {
  const m = /^(\d+)\.(\d+)\.(\d+)$/.exec(v);
  return m ? m.slice(1).map(Number) : null;
}
function compareVersions(a, b) {
  const [x, y] = [parseVersion(a), parseVersion(b)];
  for (let i = 0; i < 3; i++) if (x[i] !== y[i]) return x[i] - y[i];
  return 0;
}

/**
 * The lowest supported set (the floor of our `^x.y.z` peer ranges, which must agree) and the newest
 * stable version within those ranges that all five @mikro-orm packages have.
 */
function mikroOrmSets() {
  const floors = new Set(
    ORM_PACKAGES.map((p) => {
      const range = manifest.peerDependencies[p];
      const m = /^\^(\d+\.\d+\.\d+)$/.exec(range ?? '');
      if (!m) throw new Error(`peerDependencies["${p}"] is ${range}, not ^x.y.z`);
      return m[1];
    }),
  );
  if (floors.size !== 1) throw new Error(`the @mikro-orm peer ranges disagree: ${[...floors].join(', ')}`);
  const [lowest] = floors;
  const override = process.env.SMOKE_MIKRO_ORM;
  if (override) {
    const versions = override.split(',').map((v) => v.trim());
    console.log(`MikroORM sets from SMOKE_MIKRO_ORM: ${versions.join(', ')}`);
    return versions.map((version) => ({ version, label: 'SMOKE_MIKRO_ORM' }));
  }
  const [major] = parseVersion(lowest);
  let common;
  for (const p of ORM_PACKAGES) {
    const listed = JSON.parse(run('npm', ['view', p, 'versions', '--json'], { cwd: root }).stdout);
    const inRange = (Array.isArray(listed) ? listed : [listed]).filter(
      (v) => parseVersion(v) && parseVersion(v)[0] === major && compareVersions(v, lowest) >= 0,
    );
    console.log(
      `${p}: ${inRange.length} stable versions in ^${lowest}, newest ${inRange.sort(compareVersions).at(-1)}`,
    );
    common = common ? common.filter((v) => inRange.includes(v)) : inRange;
  }
  if (!common.includes(lowest)) throw new Error(`not every @mikro-orm package has ${lowest}`);
  const newest = common.sort(compareVersions).at(-1);
  console.log(`MikroORM sets: lowest supported ${lowest}, newest complete ${newest}`);
  return newest === lowest
    ? [{ version: lowest, label: 'lowest supported and newest complete set' }]
    : [
        { version: lowest, label: 'lowest supported set' },
        { version: newest, label: 'newest complete set' },
      ];
}

// --- pack and install -----------------------------------------------------------------------

function pack() {
  const t = Date.now();
  // --ignore-scripts: pack exactly the build under test, with no prepare/prepack step in between.
  const result = run('npm', ['pack', '--json', '--ignore-scripts', '--pack-destination', root], { cwd: repo });
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
    for (const needed of ['dist/index.js', 'dist/index.d.ts', 'dist/index.cjs', 'dist/index.d.cts', 'dist/cli.js']) {
      if (!files.includes(needed)) throw new Error(`missing ${needed}`);
    }
  });
  check('dist/index.cjs is the one-line stub over the ESM build', () => {
    const stub = readFileSync(join(repo, 'dist', 'index.cjs'), 'utf8');
    const code = stub.split('\n').filter((l) => l.trim() && !l.startsWith('//') && l !== "'use strict';");
    if (code.join('\n') !== "module.exports = require('./index.js');") throw new Error(`dist/index.cjs is:\n${stub}`);
  });
  return join(root, info.filename);
}

/**
 * A host project `name` with the tarball and `packages` at `version` (and TypeScript if
 * `withTypes`, and the `extra` specs).
 */
function install(name, tarball, packages, version, withTypes, extra = []) {
  const host = join(root, name);
  mkdirSync(host);
  writeFileSync(
    join(host, 'package.json'),
    `${JSON.stringify({ name: `overlay-db-smoke-${name}`, version: '0.0.0', private: true }, null, 2)}\n`,
  );
  const sources = join(repo, 'test', 'package', 'installed');
  for (const f of readdirSync(sources)) cpSync(join(sources, f), join(host, f));
  const t = Date.now();
  const specs = [tarball, ...packages.map((p) => `${p}@${version}`)];
  if (withTypes) specs.push(`typescript@${TYPESCRIPT}`, `@types/node@${TYPES_NODE}`);
  specs.push(...extra);
  // No --force, no --legacy-peer-deps: npm's own peer resolution must accept the set.
  run('npm', ['install', '--prefer-offline', '--no-audit', '--no-fund', '--save-exact', ...specs], { cwd: host });
  console.log(
    `${name}: installed the tarball with ${packages.join(' ')} @${version} in ${Math.round((Date.now() - t) / 1000)} s`,
  );
  check(`[${name}] the installed package is the tarball, and MikroORM is ${version}`, () => {
    const installed = realpathSync(join(host, 'node_modules', '@overlay', 'db'));
    if (!installed.startsWith(host)) throw new Error(`node_modules/@overlay/db resolves to ${installed}`);
    const found = [];
    for (const p of packages) {
      const v = JSON.parse(readFileSync(join(host, 'node_modules', p, 'package.json'), 'utf8')).version;
      if (v !== version) throw new Error(`${p} is ${v}`);
      found.push(`${p.replace('@mikro-orm/', '')}@${v}`);
    }
    const ls = run('npm', ['ls', '--all', '--parseable', ...packages], { cwd: host }).stdout;
    const nested = ls.split('\n').filter((l) => /node_modules\/.+\/node_modules\/@mikro-orm\//.test(l));
    if (nested.length) throw new Error(`a second copy of MikroORM is installed:\n${nested.join('\n')}`);
    return found.join(' ');
  });
  return host;
}

// --- runtime checks -------------------------------------------------------------------------

async function freshDatabases(host) {
  const created = [];
  return {
    async fresh(label, dialect) {
      const name = `smoke_${label}_${randomBytes(4).toString('hex')}`;
      if (dialect === 'sqlite') return { dialect, url: `sqlite:///${join(host, `${name}.db`)}` };
      await adminQuery(`create database ${name}`);
      created.push(name);
      const u = new URL(admin);
      u.pathname = `/${name}`;
      return { dialect, url: u.toString() };
    },
    async drop() {
      for (const name of created) await adminQuery(`drop database if exists ${name} with (force)`);
    },
  };
}

function nodeEnv(node) {
  const version = spawnSync(node, ['--version'], { encoding: 'utf8' }).stdout.trim();
  // The bin's `#!/usr/bin/env node` and npx pick this node up from PATH.
  return { version, env: { PATH: `${dirname(node)}${delimiter}${process.env.PATH}` } };
}

async function smokeFull(host, node) {
  const { version, env } = nodeEnv(node);
  const tag = `${version} ${host.split('/').pop()}`;
  console.log(`\n--- node ${version} (${node}) in ${host}`);
  const dbs = await freshDatabases(host);
  try {
    const targets = [];
    for (const entry of ['esm', 'cjs']) {
      for (const dialect of dialects) targets.push({ entry, ...(await dbs.fresh(entry, dialect)) });
    }
    const smokeEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets) };
    check(`[${tag}] import '@overlay/db' (${dialects.join(', ')})`, () =>
      output(run(node, ['esm.mjs'], { cwd: host, env: smokeEnv })),
    );
    check(`[${tag}] require('@overlay/db') (${dialects.join(', ')})`, () =>
      output(run(node, ['cjs.cjs'], { cwd: host, env: smokeEnv })),
    );
    check(`[${tag}] one copy through import and require`, () =>
      output(run(node, ['one-copy.mjs'], { cwd: host, env })),
    );
    check(`[${tag}] no side effects on Node's module loader, timers or files`, () =>
      noSideEffectsCheck(host, node, env, version),
    );
    check(`[${tag}] better-sqlite3 (the default SQLite driver, from @mikro-orm/sqlite) loads`, () => {
      const probe = [
        "const { createRequire } = require('node:module');",
        "const r = createRequire(require.resolve('@mikro-orm/sqlite'));",
        "const B = r('better-sqlite3');",
        "const d = new B(':memory:'); const v = d.prepare('select sqlite_version() as v').get().v; d.close();",
        "console.log('better-sqlite3', r('better-sqlite3/package.json').version, 'SQLite', v, 'ABI', process.versions.modules);",
      ].join('\n');
      return output(run(node, ['-e', probe], { cwd: host, env }));
    });
    for (const dialect of dialects) await binCheck(host, env, tag, dialect, dbs);
  } finally {
    await dbs.drop();
  }
}

async function smokeNodeSqlite(host, node) {
  const { version, env } = nodeEnv(node);
  const tag = `${version} ${host.split('/').pop()}`;
  console.log(`\n--- node ${version} (${node}) in ${host}`);
  const dbs = await freshDatabases(host);
  const targets = [];
  for (const entry of ['esm', 'cjs']) targets.push({ entry, ...(await dbs.fresh(`${entry}_nodesqlite`, 'sqlite')) });
  const smokeEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets) };
  check(`[${tag}] import '@overlay/db' on node:sqlite (no @mikro-orm/sqlite)`, () =>
    output(run(node, ['esm.mjs'], { cwd: host, env: smokeEnv })),
  );
  check(`[${tag}] require('@overlay/db') on node:sqlite (no @mikro-orm/sqlite)`, () =>
    output(run(node, ['cjs.cjs'], { cwd: host, env: smokeEnv })),
  );
  await binCheck(host, env, tag, 'sqlite', dbs);
}

/**
 * Issue 16 items 2, 3 and 7 as a host that embeds the package uses them (embedding.mjs): one
 * db.transaction across services and scopes, the onQuery hook without secrets, and the services on
 * the host's own MikroORM SQLite connection with foreign keys turned off. First Node only.
 */
async function smokeEmbedding(host, node) {
  const { version, env } = nodeEnv(node);
  const tag = `${version} ${host.split('/').pop()}`;
  const dbs = await freshDatabases(host);
  try {
    const targets = [];
    for (const dialect of dialects) targets.push({ entry: 'embedding', ...(await dbs.fresh('embedding', dialect)) });
    const smokeEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets) };
    check(`[${tag}] db.transaction, onQuery and the host's SQLite settings (${dialects.join(', ')})`, () =>
      output(run(node, ['embedding.mjs'], { cwd: host, env: smokeEnv })),
    );
  } finally {
    await dbs.drop();
  }
}

async function smokeBundler(host, node, lean) {
  const { version, env } = nodeEnv(node);
  const tag = `${version} ${host.split('/').pop()}`;
  console.log(`\n--- node ${version} (${node}) in ${host}`);
  // esbuild prints warnings only; a bundle that builds with one (an unresolvable require, say) fails.
  const esbuild = (outfile, flags, from = host) => {
    const result = run(
      join(host, 'node_modules', '.bin', 'esbuild'),
      [
        'workflow-app.mjs',
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--log-level=warning',
        `--outfile=${outfile}`,
        ...flags,
      ],
      { cwd: from, env },
    );
    if (result.stderr.trim()) throw new Error(`esbuild warned:\n${result.stderr}`);
    return `${relative(host, outfile)}: ${Math.round(statSync(outfile).size / 1024)} KiB`;
  };
  const dbs = await freshDatabases(host);
  try {
    // Natives external: the bundle holds the library, MikroORM, Kysely and pg; it runs from a
    // folder with nothing installed but better-sqlite3 (and its dependencies).
    const deploy = join(root, `${host.split('/').pop()}-deploy`);
    const built = check(`[${tag}] esbuild --bundle --format=esm, better-sqlite3 and pg-native external`, () => {
      const out = esbuild(join(deploy, 'app.mjs'), [
        '--external:better-sqlite3',
        '--external:pg-native',
        `--banner:js=${ESM_REQUIRE_BANNER}`,
      ]);
      const manifest = JSON.parse(readFileSync(join(host, 'node_modules', 'better-sqlite3', 'package.json'), 'utf8'));
      for (const p of ['better-sqlite3', ...Object.keys(manifest.dependencies ?? {})]) {
        cpSync(join(host, 'node_modules', p), join(deploy, 'node_modules', p), { recursive: true });
      }
      return out;
    });
    if (built) {
      const targets = [];
      for (const dialect of dialects) targets.push({ entry: 'bundle', ...(await dbs.fresh('bundle', dialect)) });
      const bundleEnv = {
        ...env,
        SMOKE_TARGETS: JSON.stringify(targets),
        SMOKE_ENTRY: 'bundle',
        SMOKE_EXPECT_SQLITE_DRIVER: 'better-sqlite3',
      };
      check(
        `[${tag}] the bundle runs from a folder with only node_modules/better-sqlite3 (${dialects.join(', ')})`,
        () => output(run(node, ['app.mjs'], { cwd: deploy, env: bundleEnv })),
      );
    }
    const external = join(host, 'bundle-external', 'app.mjs');
    const builtExternal = check(`[${tag}] esbuild --bundle --format=esm --packages=external`, () =>
      esbuild(external, ['--packages=external', `--banner:js=${ESM_REQUIRE_BANNER}`]),
    );
    if (builtExternal) {
      const targets = [];
      for (const dialect of dialects) targets.push({ entry: 'external', ...(await dbs.fresh('external', dialect)) });
      const externalEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets), SMOKE_ENTRY: 'external' };
      check(
        `[${tag}] the --packages=external bundle runs beside the host's node_modules (${dialects.join(', ')})`,
        () => output(run(node, [external], { cwd: host, env: externalEnv })),
      );
    }
    if (lean && dialects.includes('sqlite')) {
      // The no-sqlite host (neither @mikro-orm/sqlite nor @mikro-orm/postgresql) bundled by this
      // host's esbuild: nothing to mark external; the bundle runs alone, on node:sqlite.
      const leanBundle = join(root, `${lean.split('/').pop()}-deploy`, 'app.mjs');
      const leanTag = `${version} ${lean.split('/').pop()}`;
      const builtLean = check(`[${leanTag}] esbuild --bundle --format=esm, nothing external`, () =>
        esbuild(leanBundle, [`--banner:js=${ESM_REQUIRE_BANNER}`], lean),
      );
      if (builtLean) {
        const targets = [{ entry: 'lean', ...(await dbs.fresh('lean', 'sqlite')) }];
        const leanEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets), SMOKE_ENTRY: 'lean' };
        check(`[${leanTag}] the bundle runs alone in a folder, on node:sqlite`, () =>
          output(run(node, [leanBundle], { cwd: dirname(leanBundle), env: leanEnv })),
        );
      }
    }
  } finally {
    await dbs.drop();
  }
}

async function smokePostgresqlOnly(host, node) {
  const { version, env } = nodeEnv(node);
  const tag = `${version} ${host.split('/').pop()}`;
  console.log(`\n--- node ${version} (${node}) in ${host}`);
  check(`[${tag}] no SQLite package, no install script, no native build`, () => {
    for (const p of ['@mikro-orm/sqlite', 'better-sqlite3', 'sqlite3']) {
      if (existsSync(join(host, 'node_modules', p))) throw new Error(`${p} is installed`);
    }
    const ls = run('npm', ['ls', '--all', '--parseable', 'better-sqlite3', 'sqlite3'], { cwd: host }).stdout.trim();
    if (ls) throw new Error(`npm ls better-sqlite3 sqlite3:\n${ls}`);
    const lock = JSON.parse(readFileSync(join(host, 'package-lock.json'), 'utf8'));
    const scripted = Object.entries(lock.packages ?? {})
      .filter(([, info]) => info.hasInstallScript)
      .map(([path]) => path);
    if (scripted.length) throw new Error(`packages with install scripts: ${scripted.join(', ')}`);
    const native = [];
    const walk = (dir) => {
      for (const e of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, e.name);
        if (e.isDirectory() && e.name === 'build' && existsSync(join(path, 'Release'))) native.push(path);
        else if (e.isDirectory()) walk(path);
        else if (e.name.endsWith('.node')) native.push(path);
      }
    };
    walk(join(host, 'node_modules'));
    if (native.length) throw new Error(`native addons or builds:\n${native.join('\n')}`);
    return `${Object.keys(lock.packages).length - 1} packages, none with an install script or a native addon`;
  });
  const dbs = await freshDatabases(host);
  try {
    const targets = [{ entry: 'pg-only', ...(await dbs.fresh('pgonly', 'postgresql')) }];
    const smokeEnv = { ...env, SMOKE_TARGETS: JSON.stringify(targets), SMOKE_ENTRY: 'pg-only' };
    check(`[${tag}] open with migrate, sign-up and the workflow calls on PostgreSQL`, () =>
      output(run(node, ['workflow-app.mjs'], { cwd: host, env: smokeEnv })),
    );
    await binCheck(host, env, tag, 'postgresql', dbs);
  } finally {
    await dbs.drop();
  }
}

async function binCheck(host, env, tag, dialect, dbs) {
  const { url } = await dbs.fresh('cli', dialect);
  const cli = (...cliArgs) =>
    run('npx', ['--no-install', 'overlay-db', ...cliArgs, '--url', url], { cwd: host, env }).stdout;
  check(`[${tag}] npx overlay-db current/upgrade head/history/check [${dialect}]`, () => {
    if (dialect === 'sqlite') {
      // Only `upgrade` creates a database: `current` on a path with no file fails and creates none.
      const path = url.slice('sqlite:///'.length);
      const result = spawnSync('npx', ['--no-install', 'overlay-db', 'current', '--url', url], {
        cwd: host,
        encoding: 'utf8',
        env: { ...cleanEnv(), ...env },
      });
      if (result.status !== 1) throw new Error(`current on a missing file exited ${result.status}\n${output(result)}`);
      expect(
        `${result.stdout}\n${result.stderr}`,
        /^error DATABASE_ERROR: no database at /m,
        'current on a missing file',
      );
      if (existsSync(path)) throw new Error(`current created ${path}`);
    } else {
      expect(cli('current'), /^base\b/, 'current on a fresh database');
    }
    expect(
      cli('upgrade', 'head'),
      /^Applied 0001_initial_schema \(\d+ ms\)\nApplied 0002_health_summary_index \(\d+ ms\)\nApplied 0003_failed_runs_index \(\d+ ms\)\nUpgraded to 0003_failed_runs_index: 3 migrations applied in \d+ ms\.$/m,
      'upgrade head',
    );
    expect(cli('current'), /^0003_failed_runs_index \(head\)$/m, 'current after upgrade');
    expect(
      cli('history'),
      /^0001_initial_schema +applied \S+\n0002_health_summary_index +applied \S+\n0003_failed_runs_index +applied \S+ +\(current, head\)$/m,
      'history',
    );
    expect(cli('check'), /In sync/, 'check');
    const json = JSON.parse(cli('history', '--json'));
    const names = json.migrations?.map((m) => `${m.name}:${m.applied}`).join(',');
    if (
      json.current !== '0003_failed_runs_index' ||
      names !== '0001_initial_schema:true,0002_health_summary_index:true,0003_failed_runs_index:true'
    ) {
      throw new Error(`history --json: ${JSON.stringify(json)}`);
    }
  });
}

// --- issue 16: a host's own MikroORM migrations beside ours (item 1); the bin never guesses (item 6)

// Functions, not constants: the smoke's main code runs before this part of the module is evaluated.
function alembicRevision() {
  return '0acd3e6b9445';
}

async function smokeHostMigrationsAndCli(tarball, version, node) {
  const HEAD = '0003_failed_runs_index';
  const AFTER_INITIAL = '0002_health_summary_index, 0003_failed_runs_index';
  const ALEMBIC_REVISION = alembicRevision();
  const host = install(`mikro-orm-${version}-host-migrations-cli`, tarball, ORM_PACKAGES, version, false);
  const { version: nodeVersion, env } = nodeEnv(node);
  const tag = `${nodeVersion} ${host.split('/').pop()}`;
  console.log(`\n--- node ${nodeVersion} (${node}) in ${host}`);
  // The installed bin as npm links it, run from any folder (a project with only a .env, say), with
  // no DATABASE_URL of this process's environment: the .env or --url decides.
  const bin = (cliArgs, cwd = host) => {
    const childEnv = { ...cleanEnv(), ...env };
    delete childEnv.DATABASE_URL;
    const r = spawnSync(join(host, 'node_modules', '.bin', 'overlay-db'), cliArgs, {
      cwd,
      env: childEnv,
      encoding: 'utf8',
      timeout: 15 * 60_000,
    });
    return { status: r.status, stdout: r.stdout ?? '', stderr: r.stderr ?? '', all: output(r) };
  };
  const exits = (r, code, what) => {
    if (r.status !== code) throw new Error(`${what} exited ${r.status}, expected ${code}:\n${r.all}`);
  };
  const dbs = await freshDatabases(host);
  try {
    // Item 1.
    const targets = [];
    for (const dialect of dialects) targets.push({ entry: 'host', ...(await dbs.fresh('host', dialect)) });
    check(`[${tag}] a host's own MikroORM migrations beside ours, then the bin (${dialects.join(', ')})`, () => {
      const result = run(node, ['host-migrations.mjs'], {
        cwd: host,
        env: { ...env, SMOKE_TARGETS: JSON.stringify(targets) },
      });
      const reports = result.stdout.split('\n').filter((l) => l.startsWith('{'));
      if (reports.length !== targets.length) throw new Error(`host-migrations.mjs reported:\n${output(result)}`);
      for (const { url, dialect } of targets) {
        const current = bin(['current', '--url', url]);
        exits(current, 0, `[${dialect}] current`);
        expect(current.stdout, new RegExp(`^${HEAD} \\(head\\)$`, 'm'), `[${dialect}] current`);
        const drift = bin(['check', '--url', url]);
        exits(drift, 0, `[${dialect}] check`);
        const status = bin(['status', '--url', url]);
        exits(status, 0, `[${dialect}] status`);
        expect(status.stdout, /^Up to date\.$/m, `[${dialect}] status`);
      }
      return reports.join('\n');
    });

    // Item 6.
    check(`[${tag}] overlay-db --version is the installed package's, and an unknown option exits 2`, () => {
      const installed = JSON.parse(readFileSync(join(host, 'node_modules', '@overlay', 'db', 'package.json'), 'utf8'));
      const v = bin(['--version']);
      exits(v, 0, '--version');
      if (v.stdout !== `${installed.version}\n`) throw new Error(`--version printed ${JSON.stringify(v.stdout)}`);
      const unknown = bin(['status', '--frobnicate']);
      exits(unknown, 2, 'status --frobnicate');
      const lines = unknown.stderr.trim().split('\n');
      if (
        unknown.stdout !== '' ||
        lines[0] !== 'overlay-db: unknown option --frobnicate' ||
        /\n\s+at /.test(unknown.stderr)
      ) {
        throw new Error(`status --frobnicate:\n${unknown.all}`);
      }
      return `--version: ${v.stdout.trim()}; ${lines.join(' / ')}`;
    });
    for (const dialect of dialects) {
      const dotenvDb = await dbs.fresh('dotenv', dialect);
      check(`[${tag}] [${dialect}] DATABASE_URL only in ./.env: used, named first on stderr, password masked`, () => {
        const project = mkdtempSync(join(host, `dotenv-${dialect}-`));
        let url = 'sqlite:///./from-dotenv.db';
        let shown = `sqlite:///${join(project, 'from-dotenv.db')}`;
        let secret;
        if (dialect === 'postgresql') {
          // The server may trust the connection and ignore the password: it must be masked all the same.
          const u = new URL(dotenvDb.url);
          if (u.password === '') u.password = 'smoke-dotenv-s3cret';
          secret = decodeURIComponent(u.password);
          url = u.toString();
          shown = url.replace(`:${u.password}@`, ':***@');
        }
        writeFileSync(join(project, '.env'), `# the project's settings\nDATABASE_URL="${url}"\n`);
        const upgrade = bin(['upgrade', 'head'], project);
        exits(upgrade, 0, 'upgrade head');
        const first = upgrade.stderr.split('\n')[0];
        if (first !== `Database: ${shown} (DATABASE_URL from .env)`) throw new Error(`first stderr line: ${first}`);
        const status = bin(['status'], project);
        exits(status, 0, 'status');
        if (secret && (upgrade.all + status.all).includes(secret)) throw new Error('the password was printed');
        if (existsSync(join(project, 'app.db'))) throw new Error('./app.db was created');
        if (dialect === 'sqlite' && !existsSync(join(project, 'from-dotenv.db'))) throw new Error('no from-dotenv.db');
        return first;
      });

      const { url } = await dbs.fresh('status', dialect);
      check(`[${tag}] [${dialect}] status exits 1 while a migration is pending, 0 at head; "ambiguous" prefix`, () => {
        const notes = [];
        if (dialect === 'sqlite') {
          const path = url.slice('sqlite:///'.length);
          const missing = bin(['current', '--url', url]);
          exits(missing, 1, 'current on a missing file');
          expect(missing.stderr, /^error DATABASE_ERROR: no database at /m, 'current on a missing file');
          if (existsSync(path)) throw new Error(`current created ${path}`);
          notes.push('current on a missing file: no database at …, none created');
        }
        const ambiguous = bin(['upgrade', '0', '--url', url]);
        exits(ambiguous, 1, 'upgrade 0');
        expect(ambiguous.stderr, /^error INVALID_INPUT: Invalid to: ambiguous revision "0": matches /m, 'upgrade 0');
        exits(bin(['upgrade', '0001', '--url', url]), 0, 'upgrade 0001');
        const pending = bin(['status', '--url', url]);
        exits(pending, 1, 'status with a migration pending');
        expect(pending.stdout, new RegExp(`^Pending: ${AFTER_INITIAL}$`, 'm'), 'status with migrations pending');
        exits(bin(['upgrade', 'head', '--url', url]), 0, 'upgrade head');
        const done = bin(['status', '--url', url, '--json']);
        exits(done, 0, 'status at head');
        const doc = JSON.parse(done.stdout);
        if (doc.upToDate !== true || doc.current !== HEAD) throw new Error(`status --json: ${done.stdout}`);
        notes.push(`status: exit 1 (${pending.stdout.trim().split('\n').at(-1)}), then exit 0 at head`);
        return notes.join('\n');
      });

      const alembic = await dbs.fresh('alembic', dialect);
      await makeAlembicDatabase(alembic);
      check(`[${tag}] [${dialect}] the Python backend's database: refused by upgrade, current and status`, () => {
        const path = alembic.url.slice('sqlite:///'.length);
        const before = dialect === 'sqlite' ? readFileSync(path) : undefined;
        const lines = [];
        for (const command of [['upgrade', 'head'], ['current'], ['status']]) {
          const r = bin([...command, '--url', alembic.url]);
          exits(r, 1, command.join(' '));
          const line = r.stderr.split('\n').find((l) => l.startsWith('error '));
          const wanted = `error MIGRATION_FAILED: This database was made by the Python backend (Alembic revision ${ALEMBIC_REVISION})`;
          if (!line?.startsWith(wanted) || !line.includes('`overlay-db adopt`')) {
            throw new Error(`${command.join(' ')}:\n${r.all}`);
          }
          lines.push(line);
        }
        if (before) {
          if (!readFileSync(path).equals(before)) throw new Error(`${path} changed`);
          const left = readdirSync(dirname(path)).filter((f) => f.startsWith(`${path.split('/').pop()}-`));
          if (left.length) throw new Error(`left beside the file: ${left.join(', ')}`);
        }
        return `${lines[0]}${before ? '\n(file byte for byte as it was)' : ''}`;
      });

      if (dialect === 'sqlite') {
        const { url: failing } = await dbs.fresh('failing', 'sqlite');
        const path = failing.slice('sqlite:///'.length);
        // Another program's file (rollback journal) with an index named as one of the initial
        // migration's: not refused, but the run fails, and must leave the file as it was.
        const { DatabaseSync } = await import('node:sqlite');
        const raw = new DatabaseSync(path);
        raw.exec(
          'create table legacy (id integer primary key, company_id integer); ' +
            'create index users_company_id_index on legacy (company_id); insert into legacy values (1, 7)',
        );
        raw.close();
        check(`[${tag}] [sqlite] a failed upgrade leaves the file byte for byte as it was`, () => {
          const before = readFileSync(path);
          const r = bin(['upgrade', 'head', '--url', failing]);
          exits(r, 1, 'upgrade head');
          expect(r.stderr, /^error MIGRATION_FAILED: Migration 0001_initial_schema \(up\) failed: /m, 'upgrade head');
          if (!readFileSync(path).equals(before)) throw new Error(`${path} changed (journal mode switched?)`);
          const left = readdirSync(dirname(path)).filter((f) => f.startsWith(`${path.split('/').pop()}-`));
          if (left.length) throw new Error(`left beside the file: ${left.join(', ')}`);
          return r.stderr.split('\n').find((l) => l.startsWith('error '));
        });
      }
    }
  } finally {
    await dbs.drop();
  }
}

/** A database as the Python backend's Alembic revision left it (its tables, as far as refusal looks). */
async function makeAlembicDatabase({ dialect, url }) {
  const ALEMBIC_REVISION = alembicRevision();
  if (dialect === 'sqlite') {
    const { DatabaseSync } = await import('node:sqlite');
    const db = new DatabaseSync(url.slice('sqlite:///'.length));
    try {
      db.exec(readFileSync(join(repo, 'test', 'fixtures', `alembic-${ALEMBIC_REVISION}.sqlite.sql`), 'utf8'));
      db.prepare('insert into alembic_version (version_num) values (?)').run(ALEMBIC_REVISION);
    } finally {
      db.close();
    }
    return;
  }
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(
      'create table alembic_version (version_num varchar(32) not null, constraint alembic_version_pkc primary key (version_num))',
    );
    await client.query('insert into alembic_version (version_num) values ($1)', [ALEMBIC_REVISION]);
    await client.query(
      "create table companies (id serial primary key, name varchar not null, invite_token varchar not null, settings text not null default '{}', created_at timestamp not null default now())",
    );
  } finally {
    await client.end();
  }
}

/** The host's node_modules/.cache, where the library once kept a code cache, gains nothing of ours. */
function noSideEffectsCheck(host, node, env, version) {
  const ours = join(host, 'node_modules', '.cache', '@overlay');
  const smokeEnv = { ...env, SMOKE_SQLITE_URL: `sqlite:///${join(host, `no-side-effects-${version}.db`)}` };
  const result = run(node, ['no-side-effects.mjs'], { cwd: host, env: smokeEnv });
  expect(result.stdout, /\[\{"one":1\}\]/, 'first query');
  if (existsSync(ours)) throw new Error(`${ours} was written`);
  return result.stderr.trim() ? output({ stdout: '', stderr: result.stderr }) : '';
}

// --- TypeScript -----------------------------------------------------------------------------

function tsc(host, tscArgs) {
  return run(process.execPath, [join(host, 'node_modules', 'typescript', 'bin', 'tsc'), ...tscArgs], { cwd: host });
}

function typecheck(host) {
  check('tsc (module nodenext, no skipLibCheck) over an ESM (.mts) and a CommonJS (.cts) host file', () => {
    tsc(host, ['-p', 'tsconfig.json']);
  });
}

/**
 * `tsc --noEmit --extendedDiagnostics` of three host programs, the same options for each and no
 * skipLibCheck (every declaration file is checked, as in a host with library checks on): Node's
 * types only, a host using MikroORM only, and that host also using the package. Rounds of one
 * run each, the MikroORM-only and the package host back to back in alternating order; the time
 * compared is the median over rounds of the package host's CPU time over the MikroORM-only host's
 * in the same round, so that a busier moment of the machine falls on both sides of a ratio.
 */
function typescriptCost(host, version) {
  const programs = [
    { name: 'node types only', file: 'cost-none.mts' },
    { name: 'MikroORM only', file: 'cost-orm.mts' },
    { name: 'MikroORM + @overlay/db', file: 'cost-package.mts' },
  ];
  const options = [
    '--noEmit',
    '--extendedDiagnostics',
    '--strict',
    '--target',
    'es2022',
    '--module',
    'nodenext',
    '--moduleResolution',
    'nodenext',
    '--types',
    'node',
  ];
  const runs = programs.map(() => []);
  try {
    for (let round = 0; round < TS_COST_RUNS; round++) {
      for (const i of round % 2 === 0 ? [0, 1, 2] : [0, 2, 1]) {
        const result = run(process.execPath, ['tsc-timed.cjs', ...options, programs[i].file], { cwd: host });
        runs[i].push(diagnostics(result.stdout));
      }
    }
  } catch (error) {
    check(`[MikroORM ${version}] TypeScript cost of the package (tsc of the cost hosts)`, () => {
      throw error;
    });
    return;
  }
  const median = (values) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
  const rows = programs.map((program, i) => ({
    ...program,
    files: runs[i][0].files,
    types: median(runs[i].map((r) => r.types)),
    instantiations: median(runs[i].map((r) => r.instantiations)),
    memoryMb: median(runs[i].map((r) => r.memoryKb)) / 1024,
    checkS: median(runs[i].map((r) => r.checkS)),
    totalS: median(runs[i].map((r) => r.totalS)),
    cpuS: median(runs[i].map((r) => r.cpuS)),
  }));
  const [, orm, withPackage] = rows;
  const addedTime = median(runs[2].map((r, round) => r.cpuS / runs[1][round].cpuS)) - 1;
  const addedTypes = withPackage.types / orm.types - 1;
  const pct = (x) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  check(
    `[MikroORM ${version}] TypeScript cost: the package adds ${pct(addedTime)} tsc CPU time and ${pct(addedTypes)} types to a MikroORM-only host (limit +${TS_COST_LIMIT * 100}% each)`,
    () => {
      const table = [
        `tsc ${TYPESCRIPT}, no skipLibCheck, medians of ${TS_COST_RUNS} rounds (cpu: CPU time of tsc; check, total: tsc's`,
        `wall clock, not compared); load average ${loadavg()
          .map((l) => l.toFixed(1))
          .join(' ')} on ${availableParallelism()} CPUs:`,
        `${'host'.padEnd(24)} ${'files'.padStart(6)} ${'types'.padStart(8)} ${'instantiations'.padStart(15)} ${'memory'.padStart(8)} ${'cpu'.padStart(7)} ${'check'.padStart(7)} ${'total'.padStart(7)}`,
        ...rows.map(
          (r) =>
            `${r.name.padEnd(24)} ${String(r.files).padStart(6)} ${String(r.types).padStart(8)} ${String(r.instantiations).padStart(15)} ${`${r.memoryMb.toFixed(0)} MB`.padStart(8)} ${`${r.cpuS.toFixed(2)}s`.padStart(7)} ${`${r.checkS.toFixed(2)}s`.padStart(7)} ${`${r.totalS.toFixed(2)}s`.padStart(7)}`,
        ),
        `the package over MikroORM only: cpu time ${pct(addedTime)} (median of the rounds' ratios), types ${pct(addedTypes)}, instantiations ${pct(withPackage.instantiations / orm.instantiations - 1)}, wall total ${pct(withPackage.totalS / orm.totalS - 1)}`,
      ].join('\n');
      if (addedTime > TS_COST_LIMIT || addedTypes > TS_COST_LIMIT) throw new Error(table);
      return table;
    },
  );
}

function diagnostics(text) {
  const field = (name) => {
    const m = new RegExp(`^${name}:\\s+([\\d.]+)`, 'm').exec(text);
    if (!m) throw new Error(`no "${name}:" in tsc --extendedDiagnostics output:\n${text}`);
    return Number(m[1]);
  };
  return {
    files: field('Files'),
    types: field('Types'),
    instantiations: field('Instantiations'),
    memoryKb: field('Memory used'),
    checkS: field('Check time'),
    totalS: field('Total time'),
    cpuS: field('CPU time'),
  };
}

function expect(text, pattern, what) {
  if (!pattern.test(text)) throw new Error(`${what}: expected ${pattern}, got:\n${text}`);
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
