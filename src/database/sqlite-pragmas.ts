/**
 * The statements every SQLite connection runs as it opens. `busy_timeout` comes first so
 * that switching to WAL waits for another process instead of failing; foreign keys are
 * off by default in SQLite, and every cascade of the schema depends on them.
 */
export function sqlitePragmas(path: string, busyTimeoutMs: number): string[] {
  return [
    `PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`,
    ...(path === ':memory:' ? [] : ['PRAGMA journal_mode = WAL']),
    'PRAGMA foreign_keys = ON',
    'PRAGMA synchronous = NORMAL',
  ];
}
