// `npm run bench`: the library's public calls against hand-written raw-driver equivalents,
// interleaved in one process after a warm-up, on a realistic data set; prints a table and
// writes bench/results.json. Flags: --quick (tiny data set, few rounds), --dialect
// sqlite|postgresql (default both), --scale (the 10,000 vs 1,000,000 workflow comparison),
// --no-startup (skip the start-up comparison), --startup-only, --no-build (start-up against the
// existing dist/), --only <operation> (one operation). Only a full run rewrites bench/results.json.
import { writeFileSync } from 'node:fs';
import { type Dialect, openDatabase } from '../src/index.js';
import { freshDatabase, withBenchDatabases } from './databases.js';
import { type DatasetSpec, datasetIds, seed } from './dataset.js';
import { median } from './median.js';
import { type Operation, operations } from './ops.js';
import type { RawDriver } from './raw-driver.js';
import { runScale } from './scale.js';
import { measureStartup } from './startup.js';

export interface BenchResult {
  dialect: Dialect;
  op: string;
  libraryUs: number;
  rawUs: number;
  ratio: number;
}

const args = process.argv.slice(2);
const quick = args.includes('--quick');
const scale = args.includes('--scale');
const dialectArg = args.includes('--dialect') ? args[args.indexOf('--dialect') + 1] : undefined;
if (dialectArg !== undefined && dialectArg !== 'sqlite' && dialectArg !== 'postgresql') {
  console.error('--dialect must be sqlite or postgresql');
  process.exit(2);
}
const dialects: Dialect[] = dialectArg ? [dialectArg as Dialect] : ['sqlite', 'postgresql'];
const only = args.includes('--only') ? args[args.indexOf('--only') + 1] : undefined;

const FULL: DatasetSpec = {
  companies: 200,
  workflowsPerCompany: 100,
  stepsPerWorkflow: 5,
  notificationsPerCompany: 200,
  healthLogs: 20_000,
  screenshots: 200,
};
const QUICK: DatasetSpec = {
  companies: 4,
  workflowsPerCompany: 60,
  stepsPerWorkflow: 2,
  notificationsPerCompany: 120,
  healthLogs: 500,
  screenshots: 40,
};
const ROUNDS = quick ? 3 : 15;
const WARM_UP_MS = quick ? 50 : 2000;

/**
 * Brings the database to the same settled state before each operation, outside the timings: the
 * writes of the operation before (tens of thousands of rows in two seconds of warm-up) otherwise
 * leave autovacuum work and stale statistics to whichever operation comes next (measured on
 * PostgreSQL: create-workflow-500-steps 1.77× right after create-workflow-50-steps, 1.29× after a
 * VACUUM ANALYZE).
 */
async function settle(raw: RawDriver): Promise<void> {
  await raw.exec(raw.dialect === 'postgresql' ? 'vacuum analyze' : 'analyze; pragma wal_checkpoint(truncate)');
}

/**
 * Warm-up, both sides in turn, until each has run for WARM_UP_MS and at least two rounds' worth
 * of calls. V8 compiles a function with its optimizing tier only after many calls, on a
 * background thread: the library runs more JavaScript per call than the raw side, so a warm-up
 * of a few calls measured the library still compiling (dedupe-screenshot on PostgreSQL spent
 * about 400 µs of CPU per call over its first thousand calls, 150 µs after).
 */
async function warmUp(op: Operation, take: (n: number) => number): Promise<void> {
  const spent = { library: 0, raw: 0 };
  let calls = 0;
  while (calls < op.perRound * 2 || spent.library < WARM_UP_MS * 1000 || spent.raw < WARM_UP_MS * 1000) {
    spent.library += (await timeBatch(op.library, op.perRound, take(op.perRound))) * op.perRound;
    spent.raw += (await timeBatch(op.raw, op.perRound, take(op.perRound))) * op.perRound;
    calls += op.perRound;
  }
}

/** Times `n` sequential calls of `call`, returns µs per call. */
async function timeBatch(call: (i: number) => Promise<unknown>, n: number, start: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) await call(start + k);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

async function benchDialect(dialect: Dialect): Promise<BenchResult[]> {
  const spec = quick ? QUICK : FULL;
  return withBenchDatabases(dialect, async (db, raw) => {
    console.log(`\n[${dialect}] seeding ${spec.companies} companies × ${spec.workflowsPerCompany} workflows`);
    await seed(raw, spec, (line) => console.log(line));
    const ops = operations(db, raw, datasetIds(spec)).filter((op) => only === undefined || op.name === only);
    if (ops.length === 0) throw new Error(`--only: no operation named ${only}`);
    const results: BenchResult[] = [];
    let counter = 0;
    // A fresh index per call, so writes never repeat a name or hash.
    const take = (n: number): number => {
      counter += n;
      return counter;
    };
    for (const op of ops) {
      await settle(raw);
      await warmUp(op, take);
      const lib: number[] = [];
      const rawTimes: number[] = [];
      const ratios: number[] = [];
      for (let round = 0; round < ROUNDS; round++) {
        // Alternate which side goes first, so neither always runs on a warmer cache.
        let l: number;
        let r: number;
        if (round % 2 === 0) {
          l = await timeBatch(op.library, op.perRound, take(op.perRound));
          r = await timeBatch(op.raw, op.perRound, take(op.perRound));
        } else {
          r = await timeBatch(op.raw, op.perRound, take(op.perRound));
          l = await timeBatch(op.library, op.perRound, take(op.perRound));
        }
        lib.push(l);
        rawTimes.push(r);
        ratios.push(l / r);
      }
      const result = {
        dialect,
        op: op.name,
        libraryUs: Math.round(median(lib)),
        rawUs: Math.round(median(rawTimes)),
        ratio: Number(median(ratios).toFixed(2)),
      };
      results.push(result);
      console.log(
        `  ${op.name.padEnd(28)} library ${String(result.libraryUs).padStart(7)} µs   raw ${String(result.rawUs).padStart(7)} µs   ratio ${result.ratio.toFixed(2)}`,
      );
    }
    return results;
  });
}

/** The targets of the task: PostgreSQL ≤ 1.5 (getWithSteps ≤ 2.0); SQLite reads ≤ 1.5, writes ≤ 2.0. */
export function targetOf(dialect: Dialect, op: string): number {
  const writes = ['create-workflow-50-steps', 'create-workflow-500-steps', 'dedupe-screenshot', 'record-run'];
  if (dialect === 'postgresql') return op === 'get-workflow-with-50-steps' ? 2.0 : 1.5;
  return writes.includes(op) ? 2.0 : 1.5;
}

function printTable(results: BenchResult[]): void {
  console.log('\n| dialect | operation | library µs | raw µs | ratio | target |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of results) {
    const target = targetOf(r.dialect, r.op);
    console.log(
      `| ${r.dialect} | ${r.op} | ${r.libraryUs} | ${r.rawUs} | ${r.ratio.toFixed(2)} | ≤ ${target.toFixed(1)} ${r.ratio <= target ? '✓' : '✗'} |`,
    );
  }
}

async function main(): Promise<void> {
  if (scale) {
    for (const dialect of dialects) await runScale(dialect, { quick });
    return;
  }
  if (!args.includes('--startup-only')) {
    const results: BenchResult[] = [];
    for (const dialect of dialects) results.push(...(await benchDialect(dialect)));
    printTable(results);
    const file = new URL('./results.json', import.meta.url);
    if (only === undefined && !quick) {
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
      console.log(`\nwrote ${file.pathname}`);
    } else {
      // One operation, or the tiny data set, is a probe, not a run: the full run's results stay.
      console.log(`\n${quick ? '--quick' : '--only'}: ${file.pathname} left as it was`);
    }
  }
  if (!args.includes('--no-startup')) {
    console.log('\nstart-up (process start → first query), built package vs plain MikroORM.init:');
    const startup = [];
    for (const dialect of dialects) {
      const target = await freshDatabase(dialect);
      try {
        const db = await openDatabase({ url: target.url, migrate: true });
        await db.close();
        startup.push(
          await measureStartup(dialect, target, {
            runs: quick ? 3 : 15,
            build: !args.includes('--no-build') && startup.length === 0,
          }),
        );
      } finally {
        await target.drop();
      }
    }
    // Three child processes per side (--quick) are a probe too.
    if (!quick) writeFileSync(new URL('./startup.json', import.meta.url), `${JSON.stringify(startup, null, 2)}\n`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
