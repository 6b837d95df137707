// How much SQLite's value statistics (the sqlite_stat4 table ANALYZE writes; better-sqlite3 is
// built with SQLITE_ENABLE_STAT4, node:sqlite is not) cost a statement. When a bound value could
// change a statement's plan, SQLite marks that parameter, and every new binding of it (each run)
// makes the statement be prepared again: a prepared statement that costs a fresh parse and plan
// on every call. Nothing public counts those re-preparations, so this compares CPU time (never wall
// time): the statement on the ANALYZEd file against the same statement on a copy without
// sqlite_stat4, in interleaved batches, as the median of the per-batch ratios. A statement that is
// re-prepared on every run measured 4-5× here; one that is not, about 1×.
import { rmSync } from 'node:fs';
import { createRequire } from 'node:module';

interface Statement {
  all(...params: unknown[]): unknown[];
  run(...params: unknown[]): unknown;
  reader: boolean;
}
interface BetterSqlite {
  prepare(sql: string): Statement;
  exec(sql: string): void;
  close(): void;
}

/** better-sqlite3 as @mikro-orm/sqlite installs it, or undefined where it is not installed. */
export function loadBetterSqlite3(): (new (path: string) => BetterSqlite) | undefined {
  const here = createRequire(import.meta.url);
  try {
    return createRequire(here.resolve('@mikro-orm/sqlite'))('better-sqlite3');
  } catch {
    return undefined;
  }
}

const BATCH = 200;
const ROUNDS = 15;

function cpuOf(run: () => void): number {
  const before = process.cpuUsage();
  for (let k = 0; k < BATCH; k++) run();
  const spent = process.cpuUsage(before);
  return spent.user + spent.system;
}

/**
 * For each read-only statement (its `?` parameters bound as given), the median ratio of its CPU
 * time on `file` (ANALYZEd, with sqlite_stat4) to its CPU time on a copy of `file` without
 * sqlite_stat4. Statements are run inside a transaction that is rolled back, so nothing changes.
 */
export function stat4CostRatios(file: string, statements: { sql: string; params: readonly unknown[] }[]): number[] {
  const Database = loadBetterSqlite3();
  if (Database === undefined) throw new Error('better-sqlite3 is not installed');
  const copy = `${file}.no-stat4`;
  rmSync(copy, { force: true });
  const withStats = new Database(file);
  withStats.exec(`vacuum into '${copy.replace(/'/g, "''")}'`);
  const withoutStats = new Database(copy);
  withoutStats.exec('delete from sqlite_stat4; analyze sqlite_schema');
  try {
    return statements.map(({ sql, params }) => {
      const bound = params.map((p) => (p === true ? 1 : p === false ? 0 : p));
      const a = withStats.prepare(sql);
      const b = withoutStats.prepare(sql);
      const run = (s: Statement) => () => (s.reader ? s.all(...bound) : s.run(...bound));
      withStats.exec('begin');
      withoutStats.exec('begin');
      try {
        cpuOf(run(a));
        cpuOf(run(b));
        const ratios: number[] = [];
        for (let round = 0; round < ROUNDS; round++) {
          const first = round % 2 === 0;
          const x = first ? cpuOf(run(a)) : 0;
          const y = cpuOf(run(b));
          const x2 = first ? x : cpuOf(run(a));
          ratios.push(x2 / Math.max(y, 1));
        }
        ratios.sort((p, q) => p - q);
        return ratios[Math.floor(ratios.length / 2)];
      } finally {
        withStats.exec('rollback');
        withoutStats.exec('rollback');
      }
    });
  } finally {
    withStats.close();
    withoutStats.close();
    rmSync(copy, { force: true });
  }
}
