// `npm run bench`: the library's public calls against its competitors doing the same work (raw
// better-sqlite3, raw node:sqlite, raw pg with named statements, Kysely, Drizzle), interleaved
// in one process after a warm-up, on a realistic data set; prints a table and writes
// bench/results.json (one row per dialect × operation × competitor, statements measured).
// Flags: --quick (tiny data set, few rounds), --dialect sqlite|postgresql (default both), --scale
// (the 10,000 vs 1,000,000 workflow comparison), --concurrency (32 concurrent callers per
// competitor, see concurrency.ts; writes bench/concurrency.json), --no-startup (skip the start-up
// comparison), --startup-only, --no-build (start-up against the existing dist/), --only
// <operation> (one operation). Only a full run (both dialects, not --quick, not --only) rewrites
// its results file (bench/results.json, startup.json, concurrency.json, scale.json) and its entry
// in bench/run-info.json (date, cores, load average, versions); `npx tsx bench/report.ts --write`
// then puts their tables in the README.
import { writeFileSync } from 'node:fs';
import { kindOf, openSides, type Side } from './competitors.js';
import { runConcurrency } from './concurrency.js';
import { freshDatabase, withBenchDatabases } from './databases.js';
import { type DatasetSpec, datasetIds, seed } from './dataset.js';
import { type Dialect, openDatabase } from './library.js';
import { median } from './median.js';
import { OPERATION_NAMES, type OperationName, PER_ROUND } from './ops.js';
import type { RawDriver } from './raw-driver.js';
import { loadAverage, recordRunInfo, versions } from './run-info.js';
import { runScale } from './scale.js';
import { measureStartup } from './startup.js';
import { targetOf } from './targets.js';

export interface BenchResult {
  dialect: Dialect;
  op: OperationName;
  competitor: string;
  libraryUs: number;
  competitorUs: number;
  /** Median of the per-round ratios library / competitor. */
  ratio: number;
  /** Statements per call, measured (transaction control not counted). */
  libraryStatements: number;
  competitorStatements: number;
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
 * Warm-up, every side in turn, until each has run for WARM_UP_MS and at least two rounds' worth
 * of calls. V8 compiles a function with its optimizing tier only after many calls, on a
 * background thread: the library runs more JavaScript per call than the raw side, so a warm-up
 * of a few calls measured the library still compiling (dedupe-screenshot on PostgreSQL spent
 * about 400 µs of CPU per call over its first thousand calls, 150 µs after).
 */
async function warmUp(sides: Side[], op: OperationName, take: (n: number) => number): Promise<void> {
  const perRound = PER_ROUND[op];
  const spent = sides.map(() => 0);
  let calls = 0;
  while (calls < perRound * 2 || spent.some((us) => us < WARM_UP_MS * 1000)) {
    for (const [k, side] of sides.entries()) {
      spent[k] += (await timeBatch(side.ops[op], perRound, take(perRound))) * perRound;
    }
    calls += perRound;
  }
}

/** Times `n` sequential calls of `call`, returns µs per call. */
async function timeBatch(call: (i: number) => Promise<unknown>, n: number, start: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let k = 0; k < n; k++) await call(start + k);
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

/** Statements per call of `side` (an even number of calls: dedupe alternates stored and new hashes). */
async function statementsPerCall(side: Side, op: OperationName, take: (n: number) => number): Promise<number> {
  const calls = Math.max(2, PER_ROUND[op] - (PER_ROUND[op] % 2));
  side.statements.count = 0;
  const start = take(calls);
  for (let k = 0; k < calls; k++) await side.counted[op](start + k);
  return Number((side.statements.count / calls).toFixed(2));
}

/**
 * What must be equal across the sides' results of one call (the library names properties in
 * camelCase, the others keep the column names): a side that did less work fails the run.
 */
function fingerprint(op: OperationName, r: any): unknown {
  const pick = (o: any, camel: string, snake: string) => o?.[camel] ?? o?.[snake];
  switch (op) {
    case 'list-workflows-50':
    case 'notifications-unread-50':
      return [
        r.items.length,
        r.items[0]?.id,
        r.nextCursor,
        r.items.reduce((n: number, w: any) => n + (pick(w, 'stepCount', 'step_count') ?? 0), 0),
      ];
    case 'get-workflow-with-50-steps':
      return [r.id, r.steps.length, r.steps[49]?.id];
    case 'health-summary':
      return [r.totalRuns, r.last7Days, r.last30Days, r.recentLogs.length, r.failingSteps.length];
    case 'record-run':
      return [r.log.status, r.workflow.status, r.notification];
    case 'dedupe-screenshot':
      return [r.deduplicated, pick(r.screenshot, 'storageKey', 'storage_key').endsWith(`/${r.screenshot.id}.png`)];
    default:
      return [r.status, r.tags];
  }
}

async function checkSameResults(sides: Side[], op: OperationName, take: (n: number) => number): Promise<void> {
  // Two calls each (dedupe: a stored hash, then a new one); record-run's totals move, so its check is the shape.
  const start = take(2);
  for (const i of [start, start + 1]) {
    const expected = JSON.stringify(fingerprint(op, await sides[0].ops[op](i)));
    for (const side of sides.slice(1)) {
      const got = JSON.stringify(fingerprint(op, await side.ops[op](i)));
      if (got !== expected) throw new Error(`${op}: ${side.name} returned ${got}, the library ${expected}`);
    }
  }
}

async function benchDialect(dialect: Dialect): Promise<BenchResult[]> {
  const spec = quick ? QUICK : FULL;
  return withBenchDatabases(dialect, async (db, raw, target) => {
    console.log(`\n[${dialect}] seeding ${spec.companies} companies × ${spec.workflowsPerCompany} workflows`);
    await seed(raw, spec, (line) => console.log(line));
    const ops = OPERATION_NAMES.filter((op) => only === undefined || op === only);
    if (ops.length === 0) throw new Error(`--only: no operation named ${only}`);
    const sides = await openSides(dialect, db, target, datasetIds(spec));
    const results: BenchResult[] = [];
    let counter = 0;
    // A fresh index per call, so writes never repeat a name or hash.
    const take = (n: number): number => {
      counter += n;
      return counter;
    };
    try {
      for (const op of ops) {
        await checkSameResults(sides, op, take);
        await settle(raw);
        await warmUp(sides, op, take);
        const times = sides.map((): number[] => []);
        const ratios = sides.map((): number[] => []);
        for (let round = 0; round < ROUNDS; round++) {
          // Rotate which side goes first, so none always runs on a warmer cache.
          const us = sides.map(() => 0);
          for (let k = 0; k < sides.length; k++) {
            const s = (round + k) % sides.length;
            us[s] = await timeBatch(sides[s].ops[op], PER_ROUND[op], take(PER_ROUND[op]));
          }
          for (const [s] of sides.entries()) {
            times[s].push(us[s]);
            ratios[s].push(us[0] / us[s]);
          }
        }
        const statements: number[] = [];
        for (const side of sides) statements.push(await statementsPerCall(side, op, take));
        const libraryUs = Math.round(median(times[0]));
        console.log(`  ${op.padEnd(28)} library ${String(libraryUs).padStart(7)} µs  ${statements[0]} st`);
        for (let s = 1; s < sides.length; s++) {
          const result: BenchResult = {
            dialect,
            op,
            competitor: sides[s].name,
            libraryUs,
            competitorUs: Math.round(median(times[s])),
            ratio: Number(median(ratios[s]).toFixed(2)),
            libraryStatements: statements[0],
            competitorStatements: statements[s],
          };
          results.push(result);
          console.log(
            `  ${''.padEnd(28)} ${sides[s].name.padEnd(19)} ${String(result.competitorUs).padStart(7)} µs  ${result.competitorStatements} st   ratio ${result.ratio.toFixed(2)}`,
          );
        }
      }
    } finally {
      for (const side of sides) await side.close();
    }
    return results;
  });
}

function printTable(results: BenchResult[]): void {
  console.log(
    '\n| dialect | operation | competitor | library µs | competitor µs | ratio | target | statements (library / competitor) |',
  );
  console.log('|---|---|---|---:|---:|---:|---:|---:|');
  for (const r of results) {
    const target = targetOf(r.competitor);
    const fewer = kindOf(r.competitor) !== 'raw' || r.libraryStatements <= r.competitorStatements;
    console.log(
      `| ${r.dialect} | ${r.op} | ${r.competitor} | ${r.libraryUs} | ${r.competitorUs} | ${r.ratio.toFixed(2)} | ≤ ${target.toFixed(1)} ${r.ratio <= target ? '✓' : '✗'} | ${r.libraryStatements} / ${r.competitorStatements}${fewer ? '' : ' ✗'} |`,
    );
  }
}

async function main(): Promise<void> {
  if (args.includes('--concurrency')) {
    const results = await runConcurrency(dialects, quick ? QUICK : FULL, { quick });
    if (!quick && dialectArg === undefined) {
      writeFileSync(new URL('./concurrency.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
      recordRunInfo('concurrency', loadAtStart);
    }
    return;
  }
  if (scale) {
    const results = [];
    for (const dialect of dialects) results.push(await runScale(dialect, { quick }));
    if (!quick && dialectArg === undefined) {
      writeFileSync(new URL('./scale.json', import.meta.url), `${JSON.stringify(results, null, 2)}\n`);
      recordRunInfo('scale', loadAtStart);
    }
    return;
  }
  if (!args.includes('--startup-only')) {
    const results: BenchResult[] = [];
    for (const dialect of dialects) results.push(...(await benchDialect(dialect)));
    printTable(results);
    const file = new URL('./results.json', import.meta.url);
    if (only === undefined && !quick && dialectArg === undefined) {
      writeFileSync(file, `${JSON.stringify(results, null, 2)}\n`);
      recordRunInfo('hotPaths', loadAtStart);
      console.log(`\nwrote ${file.pathname}`);
    } else {
      // One operation, or the tiny data set, is a probe, not a run: the full run's results stay.
      console.log(`\n${quick ? '--quick' : only ? '--only' : '--dialect'}: ${file.pathname} left as it was`);
    }
  }
  if (!args.includes('--no-startup')) {
    console.log('\nstart-up (process start → first query), built package vs plain MikroORM.init and Kysely:');
    const startup = [];
    for (const dialect of dialects) {
      const target = await freshDatabase(dialect);
      try {
        const db = await openDatabase({ url: target.url, migrate: true });
        await db.close();
        startup.push(
          ...(await measureStartup(dialect, target, {
            runs: quick ? 3 : 15,
            build: !args.includes('--no-build') && startup.length === 0,
          })),
        );
      } finally {
        await target.drop();
      }
    }
    // Three child processes per side (--quick) are a probe too.
    if (!quick && dialectArg === undefined) {
      writeFileSync(new URL('./startup.json', import.meta.url), `${JSON.stringify(startup, null, 2)}\n`);
      recordRunInfo('startup', loadAtStart);
    }
  }
}

const loadAtStart = loadAverage();
console.log(
  `${Object.entries(versions())
    .map(([name, version]) => `${name} ${version}`)
    .join(', ')}\nload average at start: ${loadAtStart}`,
);
main()
  .then(() => console.log(`\nload average at end: ${loadAverage()}`))
  .catch((error) => {
    console.error(error);
    process.exit(1);
  });
