// `npm run bench -- --scale`: the dashboard reads of one tenant at 10,000 workflows and at
// 1,000,000 (10,000 companies), plus the health summary of a workflow with 1,000,000 logs, and
// the memory of a process paging through every workflow of one big tenant.

import { withBenchDatabases } from './databases.js';
import { type DatasetSpec, datasetIds, seed } from './dataset.js';
import type { Database, Dialect } from './library.js';
import { median } from './median.js';
import type { RawDriver } from './raw-driver.js';
import { SCALE_TARGET } from './targets.js';

export interface ScaleResult {
  dialect: Dialect;
  op: string;
  smallUs: number;
  largeUs: number;
  ratio: number;
}

const WARM_UP_MS = 1000;
const ROUNDS = 15;

type Call = () => Promise<unknown>;

async function batch(call: Call, n: number): Promise<number> {
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < n; i++) await call();
  return Number(process.hrtime.bigint() - t0) / 1000 / n;
}

/**
 * The same call on both data sets, in one process: a warm-up of WARM_UP_MS on each (and at least
 * 2n calls), then ROUNDS rounds of a batch of n calls on each, the order alternating between
 * rounds. The ratio is the median of the per-round large/small ratios, as in the hot-path bench:
 * measured minutes apart, the two sides had drifted with the machine (the same operation gave
 * 0.63 in one run and 1.40 in the next).
 */
async function timePair(
  small: Call,
  large: Call,
  n: number,
): Promise<{ smallUs: number; largeUs: number; ratio: number }> {
  for (const call of [small, large, small, large]) {
    const start = Date.now();
    for (let i = 0; i < n * 2 || Date.now() - start < WARM_UP_MS / 2; i++) await call();
  }
  const smallUs: number[] = [];
  const largeUs: number[] = [];
  for (let r = 0; r < ROUNDS; r++) {
    if (r % 2 === 0) {
      smallUs.push(await batch(small, n));
      largeUs.push(await batch(large, n));
    } else {
      largeUs.push(await batch(large, n));
      smallUs.push(await batch(small, n));
    }
  }
  return {
    smallUs: median(smallUs),
    largeUs: median(largeUs),
    ratio: median(largeUs.map((t, i) => t / smallUs[i])),
  };
}

interface Built {
  db: Database;
  ids: ReturnType<typeof datasetIds>;
}

async function build(
  dialect: Dialect,
  db: Database,
  raw: RawDriver,
  spec: DatasetSpec,
  bigTenantWorkflows: number,
  log: (s: string) => void,
): Promise<Built> {
  const t0 = Date.now();
  await seed(raw, spec, log);
  if (bigTenantWorkflows > 0) {
    // One big tenant: the last company gets many more workflows (for the paging memory check).
    const pg = dialect === 'postgresql';
    const big = spec.companies;
    const sql = pg
      ? `insert into "workflows" ("company_id", "name", "starting_url", "tags", "status", "created_at", "updated_at") select ${big}, 'Big ' || i, 'https://x.test', '[]', 'active', now() - make_interval(secs => i), now() - make_interval(secs => i) from generate_series(1, ${bigTenantWorkflows}) g(i)`
      : `with recursive g(i) as (select 1 union all select i + 1 from g where i < ${bigTenantWorkflows}) insert into "workflows" ("company_id", "name", "starting_url", "tags", "status", "created_at", "updated_at") select ${big}, 'Big ' || i, 'https://x.test', '[]', 'active', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || i || ' seconds'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || i || ' seconds') from g`;
    await raw.exec(sql);
  }
  await raw.exec('analyze');
  log(`  built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  return { db, ids: datasetIds(spec) };
}

/** Pages through every workflow of the big tenant (the last company) and samples RSS per page. */
async function pageBigTenant(db: Database, company: number): Promise<NonNullable<Memory>> {
  const scope = db.forCompany(company);
  let cursor: string | null = null;
  let pages = 0;
  let rows = 0;
  const peaks: number[] = [];
  do {
    const page: Awaited<ReturnType<typeof scope.workflows.list>> = await scope.workflows.list({ limit: 100, cursor });
    rows += page.items.length;
    cursor = page.nextCursor;
    pages++;
    peaks.push(process.memoryUsage().rss);
  } while (cursor);
  const quarter = peaks.slice(0, Math.max(1, peaks.length >> 2));
  return {
    pages,
    rows,
    firstQuarterPeakMb: Math.round(Math.max(...quarter) / 2 ** 20),
    peakMb: Math.round(Math.max(...peaks) / 2 ** 20),
  };
}

type Memory = { pages: number; rows: number; firstQuarterPeakMb: number; peakMb: number } | undefined;

/** One dialect's scale run: the operations at both sizes, and paging the big tenant's workflows. */
export interface ScaleRun {
  dialect: Dialect;
  results: ScaleResult[];
  memory: Memory;
}

/** Runs the comparison on one dialect and prints it. */
export async function runScale(dialect: Dialect, options: { quick: boolean }): Promise<ScaleRun> {
  const log = (s: string) => console.log(s);
  // Health logs arrive at the same rate in both (about 500 a day): the large history is 2,000
  // days deep, so both 30-day windows hold the same number of runs; only the history grows.
  const small: DatasetSpec = {
    companies: options.quick ? 10 : 100,
    workflowsPerCompany: 100,
    stepsPerWorkflow: 1,
    notificationsPerCompany: 20,
    healthLogs: options.quick ? 2_000 : 20_000,
    healthLogDays: 40,
    screenshots: 10,
  };
  const large: DatasetSpec = {
    ...small,
    companies: options.quick ? 100 : 10_000,
    healthLogs: options.quick ? 20_000 : 1_000_000,
    healthLogDays: options.quick ? 400 : 2_000,
  };
  const spanDays = (spec: DatasetSpec) => spec.healthLogDays;
  console.log(
    `\n[${dialect}] scale: ${small.companies * 100} workflows, ${small.healthLogs} logs over ${spanDays(small)} days`,
  );
  const bigTenant = options.quick ? 2_000 : 100_000;
  const { results, memory } = await withBenchDatabases(dialect, async (smallDb, smallRaw) => {
    const a = await build(dialect, smallDb, smallRaw, { ...small }, 0, log);
    console.log(
      `[${dialect}] scale: ${large.companies * 100} workflows, ${large.healthLogs} logs over ${spanDays(large)} days, one tenant with ${bigTenant} more`,
    );
    return withBenchDatabases(dialect, async (largeDb, largeRaw) => {
      const b = await build(dialect, largeDb, largeRaw, { ...large }, bigTenant, log);
      const ta = () => a.db.forCompany(a.ids.companyId);
      const tb = () => b.db.forCompany(b.ids.companyId);
      const ops: [string, Call, Call, number][] = [
        ['list-workflows-50', () => ta().workflows.list({ limit: 50 }), () => tb().workflows.list({ limit: 50 }), 20],
        [
          'notifications-unread-50',
          () => ta().notifications.list({ unreadOnly: true, limit: 50 }),
          () => tb().notifications.list({ unreadOnly: true, limit: 50 }),
          20,
        ],
        [
          'health-summary',
          () => ta().healthLogs.summary(a.ids.bigWorkflowId),
          () => tb().healthLogs.summary(b.ids.bigWorkflowId),
          5,
        ],
      ];
      const measured: ScaleResult[] = [];
      for (const [op, onSmall, onLarge, n] of ops) {
        const { smallUs, largeUs, ratio } = await timePair(onSmall, onLarge, n);
        measured.push({
          dialect,
          op,
          smallUs: Math.round(smallUs),
          largeUs: Math.round(largeUs),
          ratio: Number(ratio.toFixed(2)),
        });
      }
      return { results: measured, memory: await pageBigTenant(b.db, large.companies) };
    });
  });
  console.log('\n| dialect | operation | µs at small | µs at large | ratio | target |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${dialect} | ${r.op} | ${r.smallUs} | ${r.largeUs} | ${r.ratio.toFixed(2)} | ≤ ${SCALE_TARGET} ${r.ratio <= SCALE_TARGET ? '✓' : '✗'} |`,
    );
  }
  if (memory) {
    console.log(
      `paging one tenant: ${memory.rows} workflows in ${memory.pages} pages of 100; peak RSS ${memory.firstQuarterPeakMb} MB in the first quarter, ${memory.peakMb} MB overall`,
    );
  }
  return { dialect, results, memory };
}
