// What a full bench run ran on: the date, the machine (cores, load average at its start and end)
// and the versions of Node and of every competitor, kept per kind of run in bench/run-info.json
// beside the results it describes, so that the README's tables (bench/report.ts) quote each figure
// with the load it was measured under.
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cpus } from 'node:os';
import { dirname, join } from 'node:path';

/** The kinds of full run, each with its own results file. */
export type RunKind = 'hotPaths' | 'startup' | 'concurrency' | 'scale';

export interface RunInfo {
  /** ISO-8601 UTC time of the run's end. */
  date: string;
  /** `nproc` and the CPU model, as `os.cpus()` reports them. */
  cores: number;
  cpuModel: string;
  /** /proc/loadavg's 1, 5 and 15-minute load averages when the run started and when it ended. */
  loadAtStart: string;
  loadAtEnd: string;
  /** Node and the competitors, as installed. */
  versions: Record<string, string>;
}

const FILE = new URL('./run-info.json', import.meta.url);

/** The 1, 5 and 15-minute load averages now. */
export function loadAverage(): string {
  return readFileSync('/proc/loadavg', 'utf8').split(' ').slice(0, 3).join(' ');
}

/** Node's and the competitors' versions as installed. */
export function versions(): Record<string, string> {
  const require = createRequire(import.meta.url);
  const betterSqlite = createRequire(require.resolve('@mikro-orm/sqlite'));
  // Some packages export no package.json: walk up from the entry point to the package's own.
  const of = (req: NodeJS.Require, name: string) => {
    let dir = dirname(req.resolve(name));
    while (
      !existsSync(join(dir, 'package.json')) ||
      JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).name !== name
    ) {
      if (dir === dirname(dir)) return 'unknown';
      dir = dirname(dir);
    }
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')).version as string;
  };
  return {
    node: process.versions.node,
    'better-sqlite3': of(betterSqlite, 'better-sqlite3'),
    pg: of(require, 'pg'),
    kysely: of(require, 'kysely'),
    'drizzle-orm': of(require, 'drizzle-orm'),
    '@mikro-orm/core': of(require, '@mikro-orm/core'),
  };
}

/** The run infos recorded so far, by kind. */
export function readRunInfo(): Partial<Record<RunKind, RunInfo>> {
  return existsSync(FILE) ? JSON.parse(readFileSync(FILE, 'utf8')) : {};
}

/** Records what the full run of `kind` that started under `loadAtStart` ran on (call it when its results are written). */
export function recordRunInfo(kind: RunKind, loadAtStart: string): void {
  const all = readRunInfo();
  all[kind] = {
    date: new Date().toISOString(),
    cores: cpus().length,
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    loadAtStart,
    loadAtEnd: loadAverage(),
    versions: versions(),
  };
  writeFileSync(FILE, `${JSON.stringify(all, null, 2)}\n`);
}
