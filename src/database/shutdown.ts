import type { MikroORM } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { InvalidInputError } from '../errors.js';
import { rollbackOn } from '../executor/executor.js';
import { callsOf } from '../executor/in-flight.js';

/**
 * How long `db.close()` lets calls in flight finish by default, in ms.
 *
 * @example
 * await db.close({ timeoutMs: DEFAULT_CLOSE_TIMEOUT_MS * 3 });
 */
export const DEFAULT_CLOSE_TIMEOUT_MS = 10_000;

/**
 * Options of `db.close()`.
 *
 * @example
 * await db.close({ timeoutMs: 5_000 });
 */
export interface CloseOptions {
  /**
   * How long calls in flight may take to finish, in ms (default {@link DEFAULT_CLOSE_TIMEOUT_MS});
   * a transaction still running then is rolled back and its call rejects with DATABASE_CLOSED.
   */
  timeoutMs?: number;
}

/**
 * Closes `orm` as `db.close()` does: refuse new calls, let those in flight finish within the
 * bound, roll back the transactions still running after it, then close every connection.
 *
 * @example
 * await closeDatabase(db.orm, closeTimeout({ timeoutMs: 5_000 }));
 */
export async function closeDatabase(orm: MikroORM, timeoutMs: number): Promise<void> {
  const em = orm.em as SqlEntityManager;
  await callsOf(orm.config)?.close(timeoutMs, (connection) => rollbackOn(em, connection));
  await orm.close(true);
}

/**
 * The bound of `db.close()` from its options: INVALID_INPUT (field `timeoutMs`) unless an integer
 * number of ms, 0 or more.
 *
 * @example
 * closeTimeout({}); // DEFAULT_CLOSE_TIMEOUT_MS
 */
export function closeTimeout(options: unknown): number {
  const timeoutMs = (options as CloseOptions | undefined)?.timeoutMs ?? DEFAULT_CLOSE_TIMEOUT_MS;
  if (typeof options !== 'object' || options === null || !Number.isSafeInteger(timeoutMs) || timeoutMs < 0) {
    throw new InvalidInputError('timeoutMs', 'expected { timeoutMs: an integer number of ms, 0 or more }');
  }
  return timeoutMs;
}
