import { ForeignKeyConstraintViolationException, UniqueConstraintViolationException } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import { User, type UserRole } from '../entities/user.js';
import { DuplicateEmailError, NotFoundError } from '../errors.js';
import { detachReturned } from '../tenant/detach.js';
import { hashPassword } from './hash-password.js';

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

/**
 * Hashes the password and inserts the user in one transaction, returning the user as read back
 * (without its hash). The unique indexes on `email` and `lower(email)` decide duplicates; the
 * early look-up only spares a bcrypt hash in the common case. @internal
 */
export async function insertUser(em: SqlEntityManager, user: NewUser): Promise<User> {
  try {
    if (await emailTaken(em, user.spellings)) throw new DuplicateEmailError();
    const passwordHash = await hashPassword(user.password);
    const inserted = await em.transactional(async (tx) => {
      const id = await tx.insert(User, {
        company: user.companyId,
        email: user.email,
        passwordHash,
        name: user.name,
        role: user.role,
      });
      // Read back without the lazy hash, so the returned object never carries it.
      return tx.findOneOrFail(User, id as number);
    });
    // Detached: the EntityManager the user was read with is not the caller's to keep.
    return detachReturned(inserted);
  } catch (error) {
    // No `cause`: the driver's error holds the statement, and with it the hash.
    if (error instanceof UniqueConstraintViolationException) throw new DuplicateEmailError();
    if (error instanceof ForeignKeyConstraintViolationException) throw new NotFoundError('Company', user.companyId);
    throw convertError(error, 'Creating the user');
  }
}

/** Whether some user has one of these spellings of an email, whatever the case it was stored in. @internal */
export async function emailTaken(em: SqlEntityManager, spellings: readonly string[]): Promise<boolean> {
  const row = await em
    .createQueryBuilder(User, undefined, 'write')
    .select('id')
    .where(`lower(email) in (${spellings.map(() => '?').join(', ')})`, [...spellings])
    .limit(1)
    .execute('get');
  return row != null;
}
