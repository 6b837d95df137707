// `npm run bench -- --scale`: the dashboard reads of one tenant at 10,000 workflows and at
// 1,000,000 (10,000 companies), plus the health summary of a workflow with 1,000,000 logs, and
// the memory of a process paging through every workflow of one big tenant.
import type { Dialect } from '../src/index.js';
import { withBenchDatabases } from './databases.js';
import { type DatasetSpec, datasetIds, seed } from './dataset.js';
import { median } from './median.js';

export interface ScaleResult {
  dialect: Dialect;
  op: string;
  smallUs: number;
  largeUs: number;
  ratio: number;
}

const WARM_UP_MS = 1000;

/**
 * Median µs per call over `rounds` batches of `n` calls, after a warm-up of WARM_UP_MS (and at
 * least 2n calls): long enough for V8 to finish compiling the call's code, which a warm-up of a
 * few calls did not, and which then counted against whichever data set ran first.
 */
async function timeOp(call: () => Promise<unknown>, rounds: number, n: number): Promise<number> {
  const start = Date.now();
  for (let i = 0; i < n * 2 || Date.now() - start < WARM_UP_MS; i++) await call();
  const per: number[] = [];
  for (let r = 0; r < rounds; r++) {
    const t0 = process.hrtime.bigint();
    for (let i = 0; i < n; i++) await call();
    per.push(Number(process.hrtime.bigint() - t0) / 1000 / n);
  }
  return median(per);
}

interface Measured {
  times: Record<string, number>;
  memory?: { pages: number; rows: number; firstQuarterPeakMb: number; peakMb: number };
}

async function measure(
  dialect: Dialect,
  spec: DatasetSpec,
  bigTenantWorkflows: number,
  log: (s: string) => void,
): Promise<Measured> {
  return withBenchDatabases(dialect, async (db, raw) => {
    const t0 = Date.now();
    await seed(raw, spec, log);
    const ids = datasetIds(spec);
    if (bigTenantWorkflows > 0) {
      // One big tenant: the last company gets many more workflows (for the paging memory check).
      const pg = dialect === 'postgresql';
      const big = spec.companies;
      const sql = pg
        ? `insert into "workflows" ("company_id", "name", "starting_url", "tags", "status", "created_at", "updated_at") select ${big}, 'Big ' || i, 'https://x.test', '[]', 'active', now() - make_interval(secs => i), now() - make_interval(secs => i) from generate_series(1, ${bigTenantWorkflows}) g(i)`
        : `with recursive g(i) as (select 1 union all select i + 1 from g where i < ${bigTenantWorkflows}) insert into "workflows" ("company_id", "name", "starting_url", "tags", "status", "created_at", "updated_at") select ${big}, 'Big ' || i, 'https://x.test', '[]', 'active', strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || i || ' seconds'), strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || i || ' seconds') from g`;
      await raw.exec(sql);
      await raw.exec('analyze');
    }
    log(`  built in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
    const t = () => db!.forCompany(ids.companyId);
    const times = {
      'list-workflows-50': await timeOp(() => t().workflows.list({ limit: 50 }), 15, 20),
      'notifications-unread-50': await timeOp(() => t().notifications.list({ unreadOnly: true, limit: 50 }), 15, 20),
      'health-summary': await timeOp(() => t().healthLogs.summary(ids.bigWorkflowId), 15, 5),
    };
    let memory: Measured['memory'];
    if (bigTenantWorkflows > 0) {
      const scope = db.forCompany(spec.companies);
      let cursor: string | null = null;
      let pages = 0;
      let rows = 0;
      const peaks: number[] = [];
      do {
        const page: Awaited<ReturnType<typeof scope.workflows.list>> = await scope.workflows.list({
          limit: 100,
          cursor,
        });
        rows += page.items.length;
        cursor = page.nextCursor;
        pages++;
        peaks.push(process.memoryUsage().rss);
      } while (cursor);
      const quarter = peaks.slice(0, Math.max(1, peaks.length >> 2));
      memory = {
        pages,
        rows,
        firstQuarterPeakMb: Math.round(Math.max(...quarter) / 2 ** 20),
        peakMb: Math.round(Math.max(...peaks) / 2 ** 20),
      };
    }
    return { times, memory };
  });
}

/** Runs the comparison on one dialect and prints it. */
export async function runScale(dialect: Dialect, options: { quick: boolean }): Promise<ScaleResult[]> {
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
  const a = await measure(dialect, { ...small }, 0, log);
  console.log(
    `[${dialect}] scale: ${large.companies * 100} workflows, ${large.healthLogs} logs over ${spanDays(large)} days, one tenant with ${options.quick ? 2_000 : 100_000} more`,
  );
  const b = await measure(dialect, { ...large }, options.quick ? 2_000 : 100_000, log);
  const results: ScaleResult[] = Object.keys(a.times).map((op) => ({
    dialect,
    op,
    smallUs: Math.round(a.times[op]),
    largeUs: Math.round(b.times[op]),
    ratio: Number((b.times[op] / a.times[op]).toFixed(2)),
  }));
  console.log('\n| dialect | operation | µs at small | µs at large | ratio | target |');
  console.log('|---|---|---:|---:|---:|---:|');
  for (const r of results) {
    console.log(
      `| ${dialect} | ${r.op} | ${r.smallUs} | ${r.largeUs} | ${r.ratio.toFixed(2)} | ≤ 1.3 ${r.ratio <= 1.3 ? '✓' : '✗'} |`,
    );
  }
  if (b.memory) {
    console.log(
      `paging one tenant: ${b.memory.rows} workflows in ${b.memory.pages} pages of 100; peak RSS ${b.memory.firstQuarterPeakMb} MB in the first quarter, ${b.memory.peakMb} MB overall`,
    );
  }
  return results;
}
