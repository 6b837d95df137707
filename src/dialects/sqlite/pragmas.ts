/** Bytes of a SQLite database file read through a memory map unless `sqliteMmapBytes` says otherwise. */
export const DEFAULT_SQLITE_MMAP_BYTES = 256 * 1024 * 1024;

/**
 * The statements every SQLite connection runs as it opens. `busy_timeout` comes first so
 * that switching to WAL waits for another process instead of failing; foreign keys are
 * off by default in SQLite, and every cascade of the schema depends on them.
 *
 * @example
 * sqlitePragmas('/var/lib/app.db', 5000); // ['pragma busy_timeout = 5000', 'PRAGMA journal_mode = WAL', …]
 */
export function sqlitePragmas(path: string, busyTimeoutMs: number, mmapBytes = DEFAULT_SQLITE_MMAP_BYTES): string[] {
  return [
    `pragma busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`,
    ...(path === ':memory:' ? [] : ['pragma journal_mode = WAL']),
    'pragma foreign_keys = ON',
    'pragma synchronous = NORMAL',
    // Reads through a memory map of the file (up to 256 MiB) instead of a read() call and a copy
    // per page: a page of results in a large database touches pages scattered over the file.
    ...(path === ':memory:' ? [] : [`pragma mmap_size = ${Math.max(0, Math.floor(mmapBytes))}`]),
  ];
}
