import { DatabaseClosedError } from '../errors.js';

// The calls a Database has running, so that db.close() can let them finish, refuse new ones, and,
// once its bound passes, end the transactions still open. The executor admits a call at its entry
// (a statement on the pool, a transaction or a held connection that is not part of another call);
// statements inside an admitted call are part of it and run until the bound.

/** One admitted call: its connection once it holds one, and how to end it early. */
export interface InFlightCall {
  /**
   * Records the connection the call holds, whether it runs a transaction on it, and how to let go
   * of it early where the dialect can (SQLite's turn of the file; idempotent).
   */
  hold(connection: object, transaction: boolean, release?: () => Promise<void>): void;
  /** Settles with `work`, or rejects with DATABASE_CLOSED once close's bound has passed. */
  settle<T>(work: Promise<T>): Promise<T>;
}

interface Call extends InFlightCall {
  connection?: object;
  transaction: boolean;
  release?: () => Promise<void>;
  abort(error: DatabaseClosedError): void;
}

/** Ends a transaction the bound caught open: the dialect's rollback on the connection it holds. */
export type RollbackOn = (connection: object) => Promise<void>;

/**
 * The in-flight calls of one Database (see {@link trackCalls}).
 *
 * @example
 * const calls = trackCalls(orm.config);
 * await calls.close(10_000, (connection) => rollbackOn(connection));
 */
export class InFlightCalls {
  readonly #calls = new Set<Call>();
  /** Connections whose call the bound ended: their statements are refused (but a rollback). */
  readonly #aborted = new WeakSet<object>();
  #closing = false;
  #drained: (() => void) | undefined;

  /** A new call, or DATABASE_CLOSED once close() has begun. */
  admit(): InFlightCall {
    if (this.#closing) throw new DatabaseClosedError();
    const call: Call = {
      transaction: false,
      hold: (connection, transaction, release) => {
        call.connection = connection;
        call.transaction = transaction;
        call.release = release;
      },
      // Replaced by settle(), which every admitted call goes through at once.
      abort: () => undefined,
      // One promise per call: `work`'s outcome, unless close's bound rejects it first.
      settle: <T>(work: Promise<T>) =>
        new Promise<T>((resolve, reject) => {
          call.abort = reject;
          const done = () => {
            this.#calls.delete(call);
            if (this.#calls.size === 0) this.#drained?.();
          };
          work.then(
            (value) => {
              done();
              resolve(value);
            },
            (error: unknown) => {
              done();
              reject(error);
            },
          );
        }),
    };
    this.#calls.add(call);
    return call;
  }

  /** Whether a statement on `connection` must be refused: its call was ended by close's bound. */
  refuses(connection: object, sql: string): boolean {
    return this.#aborted.has(connection) && sql !== 'rollback';
  }

  /**
   * Refuses new calls from now on, waits for the running ones to finish for at most `timeoutMs`,
   * then ends those still running: a transaction is rolled back on its connection (by `rollback`),
   * every further statement of theirs is refused, and their callers get DATABASE_CLOSED. Resolves
   * when every call has let go of its connection (the pool can then close).
   */
  async close(timeoutMs: number, rollback: RollbackOn): Promise<void> {
    this.#closing = true;
    if (this.#calls.size === 0) return;
    const drained = new Promise<void>((resolve) => {
      this.#drained = resolve;
    });
    let timer: NodeJS.Timeout | undefined;
    const bound = new Promise<'bound'>((resolve) => {
      timer = setTimeout(() => resolve('bound'), timeoutMs);
    });
    const outcome = await Promise.race([drained, bound]);
    clearTimeout(timer);
    if (outcome === 'bound') {
      const error = new DatabaseClosedError(
        `The database closed before this call finished (db.close()'s bound of ${timeoutMs} ms passed): its transaction was rolled back`,
      );
      await Promise.all(
        [...this.#calls].map(async (call) => {
          if (call.connection !== undefined) {
            this.#aborted.add(call.connection);
            // If this fails the connection is broken, and the server ends its transaction itself.
            if (call.transaction) await rollback(call.connection).catch(() => undefined);
            // SQLite: the file's turn goes back now, not when the call's function returns.
            await call.release?.().catch(() => undefined);
          }
          call.abort(error);
        }),
      );
    }
    await drained;
  }
}

const tracked = new WeakMap<object, InFlightCalls>();

/**
 * Starts tracking the calls of the database whose MikroORM configuration is `config` (its
 * Database does, as it is made). A host's own ORM is not tracked: its EntityManagers are the host's.
 *
 * @example
 * const calls = trackCalls(orm.config);
 */
export function trackCalls(config: object): InFlightCalls {
  let calls = tracked.get(config);
  if (calls === undefined) {
    calls = new InFlightCalls();
    tracked.set(config, calls);
  }
  return calls;
}

/**
 * The tracked calls of the database whose configuration is `config`, if its Database tracks them.
 *
 * @example
 * const call = callsOf(em.config)?.admit();
 */
export function callsOf(config: object): InFlightCalls | undefined {
  return tracked.get(config);
}
