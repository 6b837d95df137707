// SQLite's drivers here are synchronous: a connection that waits for another connection's write
// lock waits inside the driver call, blocking the event loop, so a second connection to the same
// file in the same process can never finish its transaction and release the lock; the waiter
// fails with "database is locked" after the whole busy timeout. Connections of this process to
// one file therefore take turns here, asynchronously, before they reach the driver; the busy
// timeout is left for other processes. The turns are per statement or per transaction (Kysely
// holds a connection for exactly that), and cost nothing when only one connection uses a file.

interface Waiter {
  grant(): void;
}

/** One turn: connections wait for it in order, at most their busy timeout. */
export class FileLock {
  #held = false;
  readonly #queue: Waiter[] = [];

  /** Waits for the file's turn, at most `timeoutMs`; then fails as SQLite does when busy. */
  acquire(timeoutMs: number): Promise<void> {
    if (!this.#held) {
      this.#held = true;
      return Promise.resolve();
    }
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        grant: () => {
          clearTimeout(timer);
          resolve();
        },
      };
      const timer = setTimeout(() => {
        const at = this.#queue.indexOf(waiter);
        if (at >= 0) this.#queue.splice(at, 1);
        reject(Object.assign(new Error('database is locked'), { code: 'SQLITE_BUSY' }));
      }, timeoutMs);
      this.#queue.push(waiter);
    });
  }

  release(): void {
    const next = this.#queue.shift();
    if (next) next.grant();
    else this.#held = false;
  }
}

const locks = new Map<string, FileLock>();

/**
 * The in-process turn of connections to the database file at `path` (absolute), or undefined
 * for `:memory:`, which every connection has to itself.
 *
 * @example
 * const lock = fileLock('/var/lib/app.db');
 * await lock?.acquire(5000); try { … } finally { lock?.release(); }
 */
export function fileLock(path: string): FileLock | undefined {
  if (path === ':memory:' || path === '') return undefined;
  let lock = locks.get(path);
  if (lock === undefined) {
    lock = new FileLock();
    locks.set(path, lock);
  }
  return lock;
}
