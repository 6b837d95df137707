/** Bytes of a SQLite database file read through a memory map unless `sqliteMmapBytes` says otherwise. */
export const DEFAULT_SQLITE_MMAP_BYTES = 256 * 1024 * 1024;

/**
 * The statements that put a SQLite file in WAL mode (readers never wait for the writer) with the
 * synchronous level WAL makes safe. Switching rewrites the file's header, so a connection opened
 * to migrate runs them only after a run that wrote (see `walAfterWriting`): a refused or failed
 * run leaves the file byte for byte as it was.
 *
 * @example
 * for (const pragma of SQLITE_WAL_PRAGMAS) await connection.executeQuery(CompiledQuery.raw(pragma));
 */
export const SQLITE_WAL_PRAGMAS: readonly string[] = Object.freeze([
  'pragma journal_mode = WAL',
  'pragma synchronous = NORMAL',
]);

/**
 * The statements every SQLite connection runs as it opens. `busy_timeout` comes first so
 * that switching to WAL waits for another process instead of failing; foreign keys are
 * off by default in SQLite, and every cascade of the schema depends on them. With
 * `keepJournalMode` the file's journal mode is left as it is (and `synchronous` at SQLite's
 * FULL, which a rollback journal needs): the connection of a migration run, which switches to
 * WAL once it has written.
 *
 * @example
 * sqlitePragmas('/var/lib/app.db', 5000); // ['pragma busy_timeout = 5000', 'pragma journal_mode = WAL', …]
 */
export function sqlitePragmas(
  path: string,
  busyTimeoutMs: number,
  mmapBytes = DEFAULT_SQLITE_MMAP_BYTES,
  { keepJournalMode = false }: { keepJournalMode?: boolean } = {},
): string[] {
  const wal = path !== ':memory:' && !keepJournalMode;
  return [
    `pragma busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`,
    ...(wal ? [SQLITE_WAL_PRAGMAS[0]] : []),
    'pragma foreign_keys = ON',
    `pragma synchronous = ${wal || path === ':memory:' ? 'NORMAL' : 'FULL'}`,
    // Reads through a memory map of the file (up to 256 MiB) instead of a read() call and a copy
    // per page: a page of results in a large database touches pages scattered over the file.
    ...(path === ':memory:' ? [] : [`pragma mmap_size = ${Math.max(0, Math.floor(mmapBytes))}`]),
  ];
}
