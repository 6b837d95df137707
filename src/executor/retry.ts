import { ConnectionException, DeadlockException, LockWaitTimeoutException } from '@mikro-orm/core';
import { isStalePlanError } from '../dialects/postgresql/named-statements.js';

/** How many times a transaction runs at most when the database aborts it for a transient conflict. */
export const TRANSACTION_ATTEMPTS = 3;

/**
 * A connection the dialect says was lost (the server ended the session, restarted, or could not be
 * reached). `commitSent` is true when it was lost while COMMIT was on its way: the server may have
 * committed, so running the transaction again could apply it twice.
 *
 * @example
 * if (error instanceof LostConnectionException && !error.commitSent) runTransactionAgain();
 */
export class LostConnectionException extends ConnectionException {
  commitSent = false;
}

/**
 * True when `error` (or an error in its `cause` chain, since repositories convert errors into
 * OverlayDbError with the original as cause) is a conflict the database resolved by aborting
 * the transaction: PostgreSQL's deadlock and serialization failure (MikroORM's
 * DeadlockException), a lock wait timeout (SQLite's `database is locked` after the busy timeout),
 * or a prepared statement that a schema change made stale (PostgreSQL's "cached plan must not
 * change result type"), or a connection lost before COMMIT was sent (the server rolled the
 * transaction back when the session ended). A connection lost during COMMIT is not: its outcome
 * is unknown.
 *
 * @example
 * if (isTransientConflict(error)) retry();
 */
export function isTransientConflict(error: unknown): boolean {
  let current: unknown = error;
  for (let depth = 0; current && depth < 8; depth++) {
    if (current instanceof DeadlockException || current instanceof LockWaitTimeoutException) return true;
    if (current instanceof LostConnectionException) return !current.commitSent;
    // A statement prepared before another process changed the schema: it is prepared afresh on its next run.
    if (isStalePlanError(current)) return true;
    current = (current as { cause?: unknown }).cause;
  }
  return false;
}

/**
 * Runs `attempt` until it succeeds, fails with something other than a transient conflict, or
 * has run {@link TRANSACTION_ATTEMPTS} times; waits a random 10–60 ms × attempt between runs
 * so that the transactions that collided do not collide again. `attempt` must be a whole
 * transaction (the aborted one has been rolled back).
 *
 * @example
 * await retryTransient(() => em.fork().transactional(work));
 */
export async function retryTransient<T>(attempt: () => Promise<T>, attempts = TRANSACTION_ATTEMPTS): Promise<T> {
  for (let n = 1; ; n++) {
    try {
      return await attempt();
    } catch (error) {
      if (n >= attempts || !isTransientConflict(error)) throw error;
      await new Promise((resolve) => setTimeout(resolve, (10 + Math.random() * 50) * n));
    }
  }
}
