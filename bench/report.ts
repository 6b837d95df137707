// `npx tsx bench/report.ts [--write]`: the tables of the latest full bench runs (bench/results.json,
// concurrency.json, startup.json, scale.json), each under the line that says when, on what and
// under which load it ran (bench/run-info.json). Prints them as Markdown; with --write, replaces
// the README's block between the bench-tables markers with them, so the README quotes exactly
// what the files hold.
import { execFileSync } from 'node:child_process';
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { ConcurrencyResult } from './concurrency.js';
import type { BenchResult } from './run.js';
import { type RunInfo, type RunKind, readRunInfo } from './run-info.js';
import type { ScaleRun } from './scale.js';
import {
  P99_TARGET,
  PEER_TARGET,
  RAW_TARGET,
  SCALE_TARGET,
  STARTUP_VS_INIT_TARGET,
  STARTUP_VS_KYSELY_TARGET,
  THROUGHPUT_TARGET,
  targetOf,
} from './targets.js';

const START = '<!-- bench-tables:start (npx tsx bench/report.ts --write) -->';
const END = '<!-- bench-tables:end -->';

function read<T>(name: string): T | undefined {
  const file = new URL(`./${name}`, import.meta.url);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as T) : undefined;
}

function about(info: RunInfo | undefined): string {
  if (!info) return '_(no full run recorded in bench/run-info.json)_';
  const v = info.versions;
  return (
    `Run that ended ${info.date.slice(0, 16).replace('T', ' ')} UTC, on ${info.cores} cores (${info.cpuModel}), ` +
    `load average ${info.loadAtStart} at its start and ${info.loadAtEnd} at its end; Node ${v.node}, ` +
    `better-sqlite3 ${v['better-sqlite3']}, pg ${v.pg}, Kysely ${v.kysely}, Drizzle ${v['drizzle-orm']}, ` +
    `MikroORM ${v['@mikro-orm/core']}.`
  );
}

function table(head: string[], rows: (string | number)[][], right: boolean[]): string {
  return [
    `| ${head.join(' | ')} |`,
    `|${right.map((r) => (r ? '---:' : '---')).join('|')}|`,
    ...rows.map((row) => `| ${row.join(' | ')} |`),
  ].join('\n');
}

const mark = (ok: boolean) => (ok ? '✓' : '✗');

function hotPaths(results: BenchResult[]): string {
  const out: string[] = [];
  for (const dialect of ['sqlite', 'postgresql'] as const) {
    const rows = results.filter((r) => r.dialect === dialect);
    if (rows.length === 0) continue;
    const competitors = [...new Set(rows.map((r) => r.competitor))];
    const ops = [...new Set(rows.map((r) => r.op))];
    out.push(
      `**${dialect === 'sqlite' ? 'SQLite' : 'PostgreSQL'}**: µs per call (library / competitor ratio; target ≤ ${RAW_TARGET} of a raw driver, ≤ ${PEER_TARGET.toFixed(1)} of a peer), statements per call`,
      '',
      table(
        ['operation', 'library', ...competitors, 'statements (library / raw)'],
        ops.map((op) => {
          const of = rows.filter((r) => r.op === op);
          const raw = of.filter((r) => r.competitor.startsWith('raw-'));
          const fewestRaw = Math.min(...raw.map((r) => r.competitorStatements));
          return [
            op,
            of[0].libraryUs,
            ...competitors.map((name) => {
              const r = of.find((x) => x.competitor === name);
              if (!r) return '';
              const target = targetOf(name);
              return `${r.competitorUs} (${r.ratio.toFixed(2)} ${mark(r.ratio <= target)})`;
            }),
            `${of[0].libraryStatements} / ${fewestRaw} ${mark(of[0].libraryStatements <= fewestRaw)}`,
          ];
        }),
        [false, true, ...competitors.map(() => true), true],
      ),
      '',
    );
  }
  return out.join('\n');
}

function concurrency(results: ConcurrencyResult[]): string {
  const rows = results.map((r) => {
    const lib = results.find((l) => l.dialect === r.dialect && l.competitor === 'library') as ConcurrencyResult;
    if (r.competitor === 'library') return [r.dialect, r.competitor, r.callsPerSecond, r.p99Ms, '', ''];
    const throughput = lib.callsPerSecond / r.callsPerSecond;
    const p99 = lib.p99Ms / r.p99Ms;
    const raw = r.competitor.startsWith('raw-');
    return [
      r.dialect,
      r.competitor,
      r.callsPerSecond,
      r.p99Ms,
      `${throughput.toFixed(2)} ${mark(throughput >= (raw ? THROUGHPUT_TARGET : 1))}`,
      `${p99.toFixed(2)} ${raw ? mark(p99 <= P99_TARGET) : ''}`.trim(),
    ];
  });
  return table(
    ['dialect', 'competitor', 'calls/s', 'p99 ms', 'library throughput / competitor', 'library p99 / competitor'],
    rows,
    [false, false, true, true, true, true],
  );
}

/** Start-up rows as bench/startup.ts writes them: every field a column, the two targeted ratios marked. */
function startup(rows: Record<string, unknown>[]): string {
  const keys = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const targets: Record<string, number> = { ratio: STARTUP_VS_INIT_TARGET, ratioToKysely: STARTUP_VS_KYSELY_TARGET };
  return [
    `Targets: \`ratio\` (library / plain \`MikroORM.init\`) ≤ ${STARTUP_VS_INIT_TARGET}, \`ratioToKysely\` ≤ ${STARTUP_VS_KYSELY_TARGET}; milliseconds from process start to the first query.`,
    '',
    table(
      keys,
      rows.map((r) =>
        keys.map((k) =>
          k in targets && typeof r[k] === 'number'
            ? `${r[k]} ${mark((r[k] as number) <= targets[k])}`
            : String(r[k] ?? ''),
        ),
      ),
      keys.map((k) => typeof rows[0]?.[k] === 'number'),
    ),
  ].join('\n');
}

function scale(runs: ScaleRun[]): string {
  const rows = runs.flatMap((run) =>
    run.results.map((r) => [
      r.dialect,
      r.op,
      r.smallUs,
      r.largeUs,
      `${r.ratio.toFixed(2)} ${mark(r.ratio <= SCALE_TARGET)}`,
    ]),
  );
  const memory = runs
    .filter((run) => run.memory)
    .map(
      (run) =>
        `${run.dialect}: paging one tenant's ${run.memory?.rows} workflows in ${run.memory?.pages} pages, peak RSS ` +
        `${run.memory?.firstQuarterPeakMb} MB in the first quarter, ${run.memory?.peakMb} MB overall.`,
    );
  return [
    table(
      ['dialect', 'operation', 'µs at 10,000 workflows', 'µs at 1,000,000', `ratio (target ≤ ${SCALE_TARGET})`],
      rows,
      [false, false, true, true, true],
    ),
    '',
    ...memory,
  ].join('\n');
}

function section(title: string, kind: RunKind, info: Partial<Record<RunKind, RunInfo>>, body: string | undefined) {
  return [`#### ${title}`, '', about(info[kind]), '', body ?? '_(no results file)_', ''].join('\n');
}

export function report(): string {
  const info = readRunInfo();
  const results = read<BenchResult[]>('results.json');
  const conc = read<ConcurrencyResult[]>('concurrency.json');
  const start = read<Record<string, unknown>[]>('startup.json');
  const sc = read<ScaleRun[]>('scale.json');
  return [
    section('Hot paths (`npm run bench`)', 'hotPaths', info, results && hotPaths(results)),
    section(
      'Concurrency (`npm run bench -- --concurrency`: 32 callers; PostgreSQL pool 10, SQLite 4 processes on one file)',
      'concurrency',
      info,
      conc && concurrency(conc),
    ),
    section('Start-up (`npm run bench -- --startup-only`)', 'startup', info, start && startup(start)),
    section('Scale (`npm run bench -- --scale`)', 'scale', info, sc && scale(sc)),
  ].join('\n');
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop() ?? '')) {
  const text = report();
  if (process.argv.includes('--write')) {
    const readme = new URL('../README.md', import.meta.url);
    const current = readFileSync(readme, 'utf8');
    const from = current.indexOf(START);
    const to = current.indexOf(END);
    if (from < 0 || to < from) throw new Error(`README.md has no ${START} … ${END} block`);
    writeFileSync(readme, `${current.slice(0, from + START.length)}\n\n${text}\n${current.slice(to)}`);
    // The README is formatted as the lint checks it (tables aligned).
    const root = fileURLToPath(new URL('..', import.meta.url));
    execFileSync(
      fileURLToPath(new URL('../node_modules/.bin/biome', import.meta.url)),
      ['format', '--write', 'README.md'],
      {
        cwd: root,
        stdio: 'ignore',
      },
    );
    console.log('README.md: bench tables replaced');
  } else {
    console.log(text);
  }
}
