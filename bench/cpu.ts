// `npx tsx bench/cpu.ts`: the library against its competitors in CPU time of this process
// (process.cpuUsage, user + system), not wall time, so a machine loaded by other processes moves
// the figures far less. SQLite runs inside this process, so its CPU time is the whole cost of a
// call; on PostgreSQL it is the client's share (the server's work is not counted). Batches of the
// sides are interleaved (rotating which goes first) after a warm-up; the ratio is the median of
// the per-round library / competitor ratios. Prints one line per operation and competitor, with
// statements per call. Flags: --dialect sqlite|postgresql (default sqlite), --only <operation>,
// --rounds <n> (default 21), --vs <competitor,...> (default every one).
import { readFileSync } from 'node:fs';
import { openSides, type Side } from './competitors.js';
import { withBenchDatabases } from './databases.js';
import { type DatasetSpec, datasetIds, seed } from './dataset.js';
import { median } from './median.js';
import { OPERATION_NAMES, type OperationName, PER_ROUND } from './ops.js';

const args = process.argv.slice(2);
const flag = (name: string) => (args.includes(name) ? args[args.indexOf(name) + 1] : undefined);
const dialect = (flag('--dialect') ?? 'sqlite') as 'sqlite' | 'postgresql';
const only = flag('--only');
const rounds = Number(flag('--rounds') ?? 21);
const vs = flag('--vs')?.split(',');

const SPEC: DatasetSpec = {
  companies: 200,
  workflowsPerCompany: 100,
  stepsPerWorkflow: 5,
  notificationsPerCompany: 200,
  healthLogs: 20_000,
  screenshots: 200,
};
const WARM_UP_CALLS = 400;

function cpuUs(): number {
  const u = process.cpuUsage();
  return u.user + u.system;
}

async function cpuBatch(call: (i: number) => Promise<unknown>, n: number, start: number): Promise<number> {
  const t0 = cpuUs();
  for (let k = 0; k < n; k++) await call(start + k);
  return (cpuUs() - t0) / n;
}

async function statementsPerCall(side: Side, op: OperationName, start: number): Promise<number> {
  side.statements.count = 0;
  for (let k = 0; k < 10; k++) await side.counted[op](start + k);
  return side.statements.count / 10;
}

const load = () => readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');

await withBenchDatabases(dialect, async (db, raw, target) => {
  await seed(raw, SPEC);
  await raw.exec(dialect === 'postgresql' ? 'vacuum analyze' : 'analyze; pragma wal_checkpoint(truncate)');
  // OVERLAY_BENCH_NO_STAT4=1: without SQLite's value statistics, which make a statement whose plan a bound value could change be prepared again on every run.
  if (dialect === 'sqlite' && process.env.OVERLAY_BENCH_NO_STAT4)
    await raw.exec('delete from sqlite_stat4; analyze sqlite_schema');
  const sides = await openSides(dialect, db, target, datasetIds(SPEC), vs ? { only: vs } : {});
  let counter = 0;
  const take = (n: number) => {
    counter += n;
    return counter;
  };
  console.log(`[${dialect}] load ${load()}`);
  try {
    for (const op of OPERATION_NAMES.filter((o) => only === undefined || o === only)) {
      const per = PER_ROUND[op] * 2;
      const warm = Math.max(2, Math.round(WARM_UP_CALLS / (op.includes('500') ? 20 : op.includes('create') ? 4 : 1)));
      for (const side of sides) for (let k = 0; k < warm; k += per) await cpuBatch(side.ops[op], per, take(per));
      const us = sides.map((): number[] => []);
      const ratios = sides.map((): number[] => []);
      for (let round = 0; round < rounds; round++) {
        const got = sides.map(() => 0);
        for (let k = 0; k < sides.length; k++) {
          const s = (round + k) % sides.length;
          got[s] = await cpuBatch(sides[s].ops[op], per, take(per));
        }
        for (const s of sides.keys()) {
          us[s].push(got[s]);
          ratios[s].push(got[0] / got[s]);
        }
      }
      const st: number[] = [];
      for (const side of sides) st.push(await statementsPerCall(side, op, take(10)));
      const line = sides
        .slice(1)
        .map(
          (s, k) =>
            `${s.name} ${Math.round(median(us[k + 1]))} µs ${st[k + 1]} st ×${median(ratios[k + 1]).toFixed(2)}`,
        )
        .join(' | ');
      console.log(`${op.padEnd(28)} library ${Math.round(median(us[0]))} µs ${st[0]} st | ${line}`);
    }
  } finally {
    for (const side of sides) await side.close();
  }
  console.log(`load ${load()}`);
});
