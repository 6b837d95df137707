// Start-up: time from process start to the first query, in fresh child processes, for the built
// package (`openDatabase` from dist/) and for a plain `MikroORM.init` of the same entities loaded
// with `import` (a host's own setup, no library). The sides run in turn, round after round; each
// ratio is the median of the per-round ratios, as in the hot-path bench.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Dialect } from '../src/index.js';
import { median } from './median.js';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

export interface StartupResult {
  dialect: Dialect;
  /** `openDatabase`. */
  libraryMs: number;
  /** Plain `MikroORM.init` with the entities only. */
  plainMikroOrmMs: number;
  /** libraryMs / plainMikroOrmMs. */
  ratio: number;
  /** Plain `MikroORM.init` with the Migrator extension registered, as a host that migrates sets it up. */
  plainWithMigratorMs: number;
  /** libraryMs / plainWithMigratorMs. */
  ratioWithMigrator: number;
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

function runChild(file: string): number {
  const out = spawnSync(process.execPath, [file], {
    cwd: ROOT,
    encoding: 'utf8',
    env: { ...process.env, MIKRO_ORM_ENV: '' },
  });
  if (out.status !== 0) throw new Error(`start-up child failed: ${out.stderr}`);
  return Number(out.stdout.trim());
}

/** Builds the package (npm run build) unless `build` is false, then compares start-up times. */
export async function measureStartup(
  dialect: Dialect,
  target: { url: string },
  options: { runs: number; build: boolean },
): Promise<StartupResult> {
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
    const lib = join(dir, 'library.mjs');
    const plain = join(dir, 'plain.mjs');
    writeFileSync(lib, libraryScript(target.url));
    writeFileSync(plain, plainScript(dialect, target.url, entitiesFile));
    const plainMigrator = join(dir, 'plain-migrator.mjs');
    writeFileSync(plainMigrator, plainScript(dialect, target.url, entitiesFile, true));
    const sides = {
      library: () => runChild(lib),
      plain: () => runChild(plain),
      plainWithMigrator: () => runChild(plainMigrator),
    };
    type Side = keyof typeof sides;
    const times = Object.fromEntries(Object.keys(sides).map((side) => [side, [] as number[]])) as Record<
      Side,
      number[]
    >;
    // One untimed round: the disk cache warm.
    for (const run of Object.values(sides)) run();
    for (let i = 0; i < options.runs; i++) {
      for (const [side, run] of Object.entries(sides) as [Side, () => number][]) times[side].push(run());
    }
    const ms = (side: Side) => Math.round(median(times[side]));
    const ratio = (side: Side, base: Side) => Number(median(times[side].map((t, i) => t / times[base][i])).toFixed(2));
    const result: StartupResult = {
      dialect,
      libraryMs: ms('library'),
      plainMikroOrmMs: ms('plain'),
      ratio: ratio('library', 'plain'),
      plainWithMigratorMs: ms('plainWithMigrator'),
      ratioWithMigrator: ratio('library', 'plainWithMigrator'),
    };
    console.log(
      `  start-up [${dialect}]: openDatabase ${result.libraryMs} ms; plain MikroORM.init ${result.plainMikroOrmMs} ms ` +
        `(ratio ${result.ratio.toFixed(2)}); with the Migrator extension ${result.plainWithMigratorMs} ms ` +
        `(ratio ${result.ratioWithMigrator.toFixed(2)}); median of ${options.runs} rounds of child processes`,
    );
    return result;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
