import {
  CheckConstraintViolationException,
  ConnectionException,
  DeadlockException,
  DriverException,
  ForeignKeyConstraintViolationException,
  LockWaitTimeoutException,
  NotNullConstraintViolationException,
  UniqueConstraintViolationException,
} from '@mikro-orm/core';
import { DatabaseError, InvalidInputError, OverlayDbError } from '../errors.js';
import { redactSecrets } from './redact.js';

/**
 * Turns anything thrown below this library into an {@link OverlayDbError}. MikroORM has already
 * converted driver errors into its driver-independent exception tree; no raw driver code is
 * matched here. The original error stays available as `cause`; the message is redacted.
 */
export function convertError(error: unknown, context = 'The database operation'): OverlayDbError {
  if (error instanceof OverlayDbError) return error;
  if (error instanceof UniqueConstraintViolationException) {
    return new InvalidInputError('unique', `${context} would duplicate a unique value`);
  }
  if (error instanceof ForeignKeyConstraintViolationException) {
    return new InvalidInputError('reference', `${context} names a row that does not exist`);
  }
  if (error instanceof NotNullConstraintViolationException) {
    return new InvalidInputError('required', `${context} left a required value empty`);
  }
  if (error instanceof CheckConstraintViolationException) {
    return new InvalidInputError('check', `${context} broke a database check (an enum or range)`);
  }
  if (error instanceof DeadlockException || error instanceof LockWaitTimeoutException) {
    // The database's reason says which: "database is locked" (SQLite's busy timeout), "deadlock detected", …
    return new DatabaseError(`${context} could not get a lock in time (${driverReason(error)}); retry it`, {
      cause: error,
    });
  }
  if (error instanceof ConnectionException) {
    // Not retried: a write whose connection was lost may have committed, and running it again
    // could apply it twice. The caller knows whether the call is safe to repeat.
    return new DatabaseError(`${context} failed: the database connection was lost (${driverReason(error)})`, {
      cause: error,
    });
  }
  const kind = error instanceof DriverException ? 'was refused by the database' : 'failed';
  return new DatabaseError(`${context} ${kind}: ${driverReason(error)}`, { cause: error });
}

/**
 * The database's own reason, without the statement: MikroORM prefixes driver messages with the
 * SQL and its inlined parameters, which may hold user data or a password hash.
 */
function driverReason(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const firstLine = message.split('\n')[0];
  // Only when the statement prefix is there: without it, slicing at -1 + 3 cut the reason's first two letters.
  const at = firstLine.lastIndexOf(' - ');
  const reason = error instanceof DriverException && at >= 0 ? firstLine.slice(at + 3) : firstLine;
  return redactSecrets(reason).slice(0, 300);
}
