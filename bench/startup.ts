// Start-up: time from process start to the first query, in fresh child processes, for the built
// package (`openDatabase` from dist/), a plain `MikroORM.init` of the same entities loaded with
// `import` (a host's own setup, no library; with and without the Migrator extension), and Kysely
// on the same driver (better-sqlite3 / pg), and the floor of any data layer on MikroORM 7: that
// Kysely side after importing `@mikro-orm/core` and `@mikro-orm/sql` (no init, no entities, no
// driver package), so it shows how low the targeted ratios can go at all. Every side starts three ways each round: without
// NODE_COMPILE_CACHE, with it pointing at an empty directory (the first start, which fills it),
// and again with that directory filled (a later start). The sides run in turn, round after round;
// each ratio is the median of the per-round ratios, as in the hot-path bench.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from './library.js';
import { median } from './median.js';
import { STARTUP_VS_INIT_TARGET, STARTUP_VS_KYSELY_TARGET } from './targets.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** How a child process starts: no compile cache, an empty one (first start) or a filled one (later start). */
export type StartMode = 'no-cache' | 'cache-first-start' | 'cache-later-start';
const MODES: StartMode[] = ['no-cache', 'cache-first-start', 'cache-later-start'];

export interface StartupResult {
  dialect: Dialect;
  mode: StartMode;
  /** `openDatabase` from the built package. */
  libraryMs: number;
  /** Plain `MikroORM.init` with the entities only. */
  plainMikroOrmMs: number;
  /** libraryMs / plainMikroOrmMs (target ≤ 0.7). */
  ratio: number;
  /** Plain `MikroORM.init` with the Migrator extension registered, as a host that migrates sets it up. */
  plainWithMigratorMs: number;
  /** libraryMs / plainWithMigratorMs. */
  ratioWithMigrator: number;
  /** Kysely on the same driver, its first query. */
  kyselyMs: number;
  /** libraryMs / kyselyMs (target ≤ 1.5). */
  ratioToKysely: number;
  /** Kysely's first query after importing MikroORM's core and SQL packages: what any layer on MikroORM 7 loads first. */
  floorMs: number;
  /** floorMs / plainMikroOrmMs: the lowest `ratio` a layer on MikroORM 7 could reach. */
  floorToPlain: number;
  /** floorMs / kyselyMs: the lowest `ratioToKysely` a layer on MikroORM 7 could reach. */
  floorToKysely: number;
}

// performance.now() counts from the process's time origin (its start), so the child reports
// the whole time: module loading, ORM start-up, connecting and the first query.
function libraryScript(url: string): string {
  return `import { openDatabase } from ${JSON.stringify(join(ROOT, 'dist/index.js'))};
const db = await openDatabase({ url: ${JSON.stringify(url)} });
await db.connection.execute('select 1');
process.stdout.write(String(performance.now()));
await db.close();
`;
}

function plainScript(dialect: Dialect, url: string, entitiesFile: string, withMigrator = false): string {
  const driverPackage = dialect === 'sqlite' ? '@mikro-orm/sqlite' : '@mikro-orm/postgresql';
  const connection =
    dialect === 'sqlite'
      ? `dbName: ${JSON.stringify(url.replace('sqlite:///', ''))}`
      : `clientUrl: ${JSON.stringify(url)}`;
  const migrator = withMigrator ? `import { Migrator } from '@mikro-orm/migrations';\n` : '';
  const extensions = withMigrator ? ', extensions: [Migrator]' : '';
  return `import { MikroORM } from ${JSON.stringify(driverPackage)};
import { entities } from ${JSON.stringify(entitiesFile)};
${migrator}const orm = await MikroORM.init({ entities, ${connection}, discovery: { warnWhenNoEntities: false }${extensions} });
await orm.em.getConnection().execute('select 1');
process.stdout.write(String(performance.now()));
await orm.close(true);
`;
}

/** Kysely as its docs set it up, on the driver the library runs on: better-sqlite3 (as @mikro-orm/sqlite installs it) or a pg pool. */
function kyselyScript(dialect: Dialect, url: string, floor = false): string {
  const require = createRequire(import.meta.url);
  const kysely = JSON.stringify(require.resolve('kysely'));
  // The floor: MikroORM 7's own two packages loaded first (the Kysely it runs on is loaded either way).
  const mikroOrm = floor
    ? `import ${JSON.stringify(require.resolve('@mikro-orm/core'))};\nimport ${JSON.stringify(require.resolve('@mikro-orm/sql'))};\n`
    : '';
  if (dialect === 'sqlite') {
    const betterSqlite = JSON.stringify(createRequire(require.resolve('@mikro-orm/sqlite')).resolve('better-sqlite3'));
    return `${mikroOrm}import { Kysely, SqliteDialect, sql } from ${kysely};
import Database from ${betterSqlite};
const db = new Kysely({ dialect: new SqliteDialect({ database: new Database(${JSON.stringify(url.replace('sqlite:///', ''))}) }) });
await sql\`select 1\`.execute(db);
process.stdout.write(String(performance.now()));
await db.destroy();
`;
  }
  return `${mikroOrm}import { Kysely, PostgresDialect, sql } from ${kysely};
import pg from ${JSON.stringify(require.resolve('pg'))};
const db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: ${JSON.stringify(url)} }) }) });
await sql\`select 1\`.execute(db);
process.stdout.write(String(performance.now()));
await db.destroy();
`;
}

function runChild(file: string, compileCache: string | undefined): number {
  const env: NodeJS.ProcessEnv = { ...process.env, MIKRO_ORM_ENV: '' };
  delete env.NODE_COMPILE_CACHE;
  if (compileCache !== undefined) env.NODE_COMPILE_CACHE = compileCache;
  const out = spawnSync(process.execPath, [file], { cwd: ROOT, encoding: 'utf8', env });
  if (out.status !== 0) throw new Error(`start-up child failed: ${out.stderr}`);
  return Number(out.stdout.trim());
}

/** Builds the package (npm run build) unless `build` is false, then compares start-up times in each {@link StartMode}. */
export async function measureStartup(
  dialect: Dialect,
  target: { url: string },
  options: { runs: number; build: boolean },
): Promise<StartupResult[]> {
  if (options.build || !existsSync(join(ROOT, 'dist/index.js'))) {
    execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
  }
  // Inside the project, so that the child scripts resolve MikroORM from its node_modules.
  mkdirSync(join(ROOT, 'node_modules/.cache'), { recursive: true });
  const dir = mkdtempSync(join(ROOT, 'node_modules/.cache/overlay-startup-'));
  try {
    // The plain side gets the same seven entities, bundled on their own (MikroORM external),
    // so it loads MikroORM and its entity definitions and nothing of this library.
    const entitiesFile = join(dir, 'entities.mjs');
    execFileSync(
      join(ROOT, 'node_modules/.bin/esbuild'),
      [
        join(ROOT, 'src/entities/index.ts'),
        '--bundle',
        '--platform=node',
        '--format=esm',
        '--packages=external',
        `--outfile=${entitiesFile}`,
        '--log-level=error',
      ],
      { cwd: ROOT },
    );
    const scripts = {
      library: libraryScript(target.url),
      plain: plainScript(dialect, target.url, entitiesFile),
      plainWithMigrator: plainScript(dialect, target.url, entitiesFile, true),
      kysely: kyselyScript(dialect, target.url),
      floor: kyselyScript(dialect, target.url, true),
    };
    type Side = keyof typeof scripts;
    const files = {} as Record<Side, string>;
    for (const [side, text] of Object.entries(scripts) as [Side, string][]) {
      files[side] = join(dir, `${side}.mjs`);
      writeFileSync(files[side], text);
    }
    const sides = Object.keys(scripts) as Side[];
    const times = Object.fromEntries(
      MODES.map((mode) => [mode, Object.fromEntries(sides.map((side) => [side, [] as number[]]))]),
    ) as Record<StartMode, Record<Side, number[]>>;
    let caches = 0;
    // One round: each side starts without a cache, then with an empty one, then with it filled.
    const round = (record: boolean) => {
      for (const side of sides) {
        const cache = join(dir, `cache-${caches++}`);
        const noCache = runChild(files[side], undefined);
        const first = runChild(files[side], cache);
        const later = runChild(files[side], cache);
        rmSync(cache, { recursive: true, force: true });
        if (!record) continue;
        times['no-cache'][side].push(noCache);
        times['cache-first-start'][side].push(first);
        times['cache-later-start'][side].push(later);
      }
    };
    // One untimed round: the disk cache warm.
    round(false);
    for (let i = 0; i < options.runs; i++) round(true);
    return MODES.map((mode) => {
      const of = times[mode];
      const ms = (side: Side) => Math.round(median(of[side]));
      const ratio = (side: Side, base: Side) => Number(median(of[side].map((t, i) => t / of[base][i])).toFixed(2));
      const result: StartupResult = {
        dialect,
        mode,
        libraryMs: ms('library'),
        plainMikroOrmMs: ms('plain'),
        ratio: ratio('library', 'plain'),
        plainWithMigratorMs: ms('plainWithMigrator'),
        ratioWithMigrator: ratio('library', 'plainWithMigrator'),
        kyselyMs: ms('kysely'),
        ratioToKysely: ratio('library', 'kysely'),
        floorMs: ms('floor'),
        floorToPlain: ratio('floor', 'plain'),
        floorToKysely: ratio('floor', 'kysely'),
      };
      console.log(
        `  start-up [${dialect}, ${mode}]: openDatabase ${result.libraryMs} ms; plain MikroORM.init ${result.plainMikroOrmMs} ms ` +
          `(ratio ${result.ratio.toFixed(2)} ${result.ratio <= STARTUP_VS_INIT_TARGET ? '✓' : '✗'}); with the Migrator ${result.plainWithMigratorMs} ms ` +
          `(${result.ratioWithMigrator.toFixed(2)}); Kysely ${result.kyselyMs} ms (ratio ${result.ratioToKysely.toFixed(2)} ` +
          `${result.ratioToKysely <= STARTUP_VS_KYSELY_TARGET ? '✓' : '✗'}); MikroORM's floor ${result.floorMs} ms ` +
          `(${result.floorToPlain.toFixed(2)} of plain init, ${result.floorToKysely.toFixed(2)} of Kysely); median of ${options.runs} rounds of child processes`,
      );
      return result;
    });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
