import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import type { User, UserRole } from '../entities/user.js';
import { DuplicateEmailError, NotFoundError } from '../errors.js';
import { query, transaction } from '../executor/executor.js';
import { sqlTimestamp } from '../lifecycle/sql.js';
import { hashPassword } from './hash-password.js';
import { USER_COLUMNS, userFromRow, withUnloadedPasswordHash } from './service-rows.js';

/** A user to insert, already validated and normalized. @internal */
export interface NewUser {
  companyId: number;
  /** As `normalizeEmail` returns it. */
  email: string;
  /** Every spelling an existing account with this address may be stored under (`emailSpellings`). */
  spellings: readonly string[];
  password: string;
  name: string | null;
  role: UserRole;
}

const INSERT_USER_SQL =
  'insert into "users" ("company_id", "email", "password_hash", "name", "role", "created_at") ' +
  `values (?, ?, ?, ?, ?, ?) returning ${USER_COLUMNS}`;

/**
 * Hashes the password and inserts the user in one statement, returning the user as written
 * (without its hash). The unique indexes on `email` and `lower(email)` decide duplicates; the
 * early look-up only spares a bcrypt hash in the common case. @internal
 *
 * @example
 * const user = await insertUser(em, { companyId, email, spellings: [email], password, name: null, role: 'admin' });
 */
export async function insertUser(em: SqlEntityManager, user: NewUser): Promise<User> {
  try {
    if (await emailTaken(em, user.spellings)) throw new DuplicateEmailError();
    const passwordHash = await hashPassword(user.password);
    const rows = await transaction(
      em,
      () =>
        query(em, INSERT_USER_SQL, [
          user.companyId,
          user.email,
          passwordHash,
          user.name,
          user.role,
          sqlTimestamp(new Date()),
        ]),
      { savepoint: true },
    );
    return withUnloadedPasswordHash(userFromRow(em, rows[0]));
  } catch (error) {
    // No `cause`: the driver's error may hold the statement, and with it the hash.
    if (error instanceof UniqueConstraintViolationException) throw new DuplicateEmailError();
    if (error instanceof ForeignKeyConstraintViolationException) throw new NotFoundError('Company', user.companyId);
    throw convertError(error, 'Creating the user');
  }
}

/**
 * Whether some user has one of these spellings of an email, whatever the case it was stored in. @internal
 *
 * @example
 * if (await emailTaken(em, emailSpellings(typed, normalized))) throw new DuplicateEmailError();
 */
export async function emailTaken(em: SqlEntityManager, spellings: readonly string[]): Promise<boolean> {
  const rows = await query(
    em,
    `select "id" from "users" where lower("email") in (${spellings.map(() => '?').join(', ')}) limit 1`,
    spellings,
  );
  return rows.length > 0;
}
