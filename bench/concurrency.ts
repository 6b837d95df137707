// `npm run bench -- --concurrency`: 32 callers, an even mix of list 50, get with 50 steps and
// record-run (all on the bench company; record-run on its one run workflow, so its writes contend
// for one row as a busy workflow's runs do), each competitor for a fixed time: on PostgreSQL in
// one process with pools of 10 connections, on SQLite as 4 processes of 8 callers on one file.
// Reports calls per second and the 99th-percentile latency per competitor, and the library's
// ratios to each (throughput library / competitor, p99 library / competitor). Competitors run one
// after another, in two passes of opposite order, each pass half the time.
import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { COMPETITORS, openSides, type Side } from './competitors.js';
import { freshDatabase, openRaw } from './databases.js';
import { type DatasetSpec, datasetIds, seed } from './dataset.js';
import { type Dialect, openDatabase } from './library.js';
import type { OperationName } from './ops.js';

const MIX: OperationName[] = ['list-workflows-50', 'get-workflow-with-50-steps', 'record-run'];
const CALLERS = 32;
const SQLITE_PROCESSES = 4;
const POOL = 10;

export interface ConcurrencyResult {
  dialect: Dialect;
  competitor: string;
  callsPerSecond: number;
  p99Ms: number;
}

/** Runs `callers` concurrent loops of the mix on `side` for `ms`; returns each call's latency in ms. The mix's operations take no fresh index, so `offset` only keeps indexes apart. */
async function drive(side: Side, callers: number, ms: number, offset: number): Promise<number[]> {
  const latencies: number[] = [];
  const end = performance.now() + ms;
  let index = offset;
  await Promise.all(
    Array.from({ length: callers }, async (_, caller) => {
      for (let n = caller; performance.now() < end; n++) {
        const op = MIX[n % MIX.length];
        const t0 = performance.now();
        await side.ops[op](index++);
        latencies.push(performance.now() - t0);
      }
    }),
  );
  return latencies;
}

function p99(latencies: number[]): number {
  const sorted = Float64Array.from(latencies).sort();
  return sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.99))];
}

interface Run {
  latencies: number[];
  seconds: number;
}

function summarize(dialect: Dialect, competitor: string, runs: Run[]): ConcurrencyResult {
  const latencies = runs.flatMap((r) => r.latencies);
  const seconds = runs.reduce((s, r) => s + r.seconds, 0);
  return {
    dialect,
    competitor,
    callsPerSecond: Math.round(latencies.length / seconds),
    p99Ms: Number(p99(latencies).toFixed(2)),
  };
}

/** Two passes over `names`, the second in reverse order, each side `ms / 2` per pass. */
async function passes(names: string[], ms: number, run: (name: string, ms: number) => Promise<Run>) {
  const runs = new Map<string, Run[]>(names.map((n) => [n, []]));
  for (const order of [names, [...names].reverse()]) {
    for (const name of order) runs.get(name)?.push(await run(name, ms / 2));
  }
  return runs;
}

async function postgres(spec: DatasetSpec, ms: number): Promise<ConcurrencyResult[]> {
  const target = await freshDatabase('postgresql');
  const db = await openDatabase({ url: target.url, migrate: true, pool: { min: 0, max: POOL } });
  const raw = await openRaw('postgresql', target.rawTarget);
  try {
    await seed(raw, spec);
    await raw.exec('vacuum analyze');
    const sides = await openSides('postgresql', db, target, datasetIds(spec), { pool: POOL });
    try {
      const byName = new Map(sides.map((s) => [s.name, s]));
      const runs = await passes(
        sides.map((s) => s.name),
        ms,
        async (name, time) => {
          const side = byName.get(name) as Side;
          await drive(side, CALLERS, Math.min(500, time / 4), 0); // warm-up
          const t0 = performance.now();
          const latencies = await drive(side, CALLERS, time, 0);
          return { latencies, seconds: (performance.now() - t0) / 1000 };
        },
      );
      return [...runs].map(([name, r]) => summarize('postgresql', name, r));
    } finally {
      for (const side of sides) await side.close();
    }
  } finally {
    await raw.close();
    await db.close();
    await target.drop();
  }
}

/** One process of the SQLite run: opens `side` on the file, says `ready`, drives on `go`, prints latencies. */
async function worker(argv: string[]): Promise<void> {
  const arg = (name: string) => argv[argv.indexOf(name) + 1];
  const spec = JSON.parse(arg('--spec')) as DatasetSpec;
  const name = arg('--side');
  const db = await openDatabase({ url: arg('--url') });
  const sides = await openSides('sqlite', db, { url: arg('--url'), rawTarget: arg('--file') }, datasetIds(spec), {
    only: [name],
  });
  const side = sides.find((s) => s.name === name) as Side;
  const offset = Number(arg('--offset'));
  await drive(side, CALLERS / SQLITE_PROCESSES, Math.min(500, Number(arg('--ms')) / 4), offset); // warm-up
  process.stdout.write('ready\n');
  const lines = createInterface({ input: process.stdin });
  for await (const line of lines) if (line === 'go') break;
  const t0 = performance.now();
  const latencies = await drive(side, CALLERS / SQLITE_PROCESSES, Number(arg('--ms')), offset + 5e5);
  const seconds = (performance.now() - t0) / 1000;
  process.stdout.write(`${JSON.stringify({ seconds, latencies })}\n`);
  for (const s of sides) await s.close();
  await db.close();
  process.exit(0);
}

async function sqliteRun(name: string, url: string, file: string, spec: DatasetSpec, ms: number, pass: number) {
  const script = fileURLToPath(import.meta.url);
  const children = Array.from({ length: SQLITE_PROCESSES }, (_, k) => {
    const child = spawn(
      process.execPath,
      ['--import', 'tsx', script, '--worker', '--side', name, '--url', url, '--file', file].concat([
        '--spec',
        JSON.stringify(spec),
        '--ms',
        String(ms),
        '--offset',
        String((pass * 10 + k + 1) * 1e6),
      ]),
      { stdio: ['pipe', 'pipe', 'inherit'] },
    );
    const lines = createInterface({ input: child.stdout });
    const next = (() => {
      const it = lines[Symbol.asyncIterator]();
      return async () => {
        const { value, done } = await it.next();
        if (done) throw new Error(`${name}: worker ${k} ended early`);
        return value as string;
      };
    })();
    return { child, next };
  });
  for (const c of children) if ((await c.next()) !== 'ready') throw new Error(`${name}: worker not ready`);
  for (const c of children) c.child.stdin.write('go\n');
  const results = await Promise.all(children.map(async (c) => JSON.parse(await c.next()) as Run));
  // The processes ran side by side: their calls add up over the longest of their times.
  return {
    latencies: results.flatMap((r) => r.latencies),
    seconds: Math.max(...results.map((r) => r.seconds)),
  };
}

async function sqlite(spec: DatasetSpec, ms: number): Promise<ConcurrencyResult[]> {
  const target = await freshDatabase('sqlite');
  const db = await openDatabase({ url: target.url, migrate: true });
  const raw = await openRaw('sqlite', target.rawTarget);
  try {
    await seed(raw, spec);
    await raw.exec('analyze; pragma wal_checkpoint(truncate)');
    let pass = 0;
    const runs = await passes(['library', ...COMPETITORS.sqlite], ms, (name, time) =>
      sqliteRun(name, target.url, target.rawTarget, spec, time, pass++),
    );
    return [...runs].map(([name, r]) => summarize('sqlite', name, r));
  } finally {
    await raw.close();
    await db.close();
    await target.drop();
  }
}

/** Runs the concurrency comparison on `dialects` and prints its table. */
export async function runConcurrency(
  dialects: Dialect[],
  spec: DatasetSpec,
  options: { quick: boolean },
): Promise<ConcurrencyResult[]> {
  const ms = options.quick ? 2000 : 10_000;
  const results: ConcurrencyResult[] = [];
  for (const dialect of dialects) {
    console.log(`\n[${dialect}] concurrency: ${CALLERS} callers, ${ms / 1000} s per competitor`);
    const rows = dialect === 'postgresql' ? await postgres(spec, ms) : await sqlite(spec, ms);
    results.push(...rows);
    for (const r of rows)
      console.log(`  ${r.competitor.padEnd(19)} ${String(r.callsPerSecond).padStart(6)} calls/s   p99 ${r.p99Ms} ms`);
  }
  console.log(
    '\n| dialect | competitor | calls/s | p99 ms | library throughput / competitor | library p99 / competitor |',
  );
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of results) {
    const lib = results.find((l) => l.dialect === r.dialect && l.competitor === 'library') as ConcurrencyResult;
    const same = r.competitor === 'library';
    console.log(
      `| ${r.dialect} | ${r.competitor} | ${r.callsPerSecond} | ${r.p99Ms} | ${same ? '' : (lib.callsPerSecond / r.callsPerSecond).toFixed(2)} | ${same ? '' : (lib.p99Ms / r.p99Ms).toFixed(2)} |`,
    );
  }
  return results;
}

if (process.argv.includes('--worker')) {
  worker(process.argv).catch((error) => {
    console.error(error);
    process.exit(1);
  });
}
