import { ScalarReference } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { Company } from '../entities/company.js';
import { User } from '../entities/user.js';
import { InvalidInputError } from '../errors.js';
import { mapRows } from '../tenant/map-rows.js';
import { readColumns } from '../tenant/read-columns.js';
import { ReferenceSource } from '../tenant/reference-source.js';
import type { PublicUser } from '../tenant/user-repository.js';

// The columns the services read of companies and users, named in each statement (never `*`, so a
// column another process adds cannot change a prepared statement's result), and how their rows
// become entities: through the one hydration, mapRows. Exactly the columns mapRows maps (a test
// compares them); a user's password hash is never among them.

/**
 * The columns of a company row the services read and return, invite token included. @internal
 *
 * @example
 * `insert into "companies" ("name", …) values (?, …) returning ${COMPANY_COLUMNS}`
 */
export const COMPANY_COLUMNS = '"id", "name", "invite_token", "settings", "created_at"';

/**
 * The columns of a user row the services return: every column but the password hash. @internal
 *
 * @example
 * `update "users" set "last_login_at" = ? where "id" = ? returning ${USER_COLUMNS}`
 */
export const USER_COLUMNS = readColumns('users');

/**
 * A company row read with {@link COMPANY_COLUMNS} as a detached Company: its invite token is
 * readable by name, but `util.inspect`, JSON and `toObject()` leave it out. @internal
 *
 * @example
 * const company = companyFromRow(em, (await query(em, `select ${COMPANY_COLUMNS} from "companies" where "id" = ?`, [id]))[0]);
 */
export function companyFromRow(em: SqlEntityManager, row: Record<string, unknown>): Company {
  // A company has no relations: its source only lends the ORM's metadata and platform.
  return mapRows(new ReferenceSource(em, Number(row.id)), Company, [row])[0];
}

/**
 * A user row read with {@link USER_COLUMNS} as a detached user whose `company` reference loads only
 * that company; it has no password hash, as its type says. @internal
 *
 * @example
 * const user = userFromRow(em, rows[0]); // a PublicUser
 */
export function userFromRow(em: SqlEntityManager, row: Record<string, unknown>): PublicUser {
  return mapRows(new ReferenceSource(em, Number(row.company_id)), User, [row])[0];
}

/**
 * `user` as a User whose password hash is an unloaded lazy reference that cannot be loaded: the
 * user holds no hash and no EntityManager that could fetch it. @internal
 *
 * @example
 * const admin = withUnloadedPasswordHash(userFromRow(em, rows[0]));
 * admin.passwordHash.isInitialized(); // false
 */
export function withUnloadedPasswordHash(user: PublicUser): User {
  Object.defineProperty(user, 'passwordHash', {
    value: new UnloadedPasswordHash(),
    enumerable: false,
    writable: true,
    configurable: true,
  });
  return user as User;
}

/** The password hash of a returned user: `isInitialized()` false, `load()` INVALID_INPUT. */
class UnloadedPasswordHash extends ScalarReference<string> {
  constructor() {
    super(undefined, false);
  }

  override async load(): Promise<string | undefined> {
    throw new InvalidInputError('passwordHash', 'is not loaded through an entity this library returned');
  }

  override async loadOrFail(): Promise<string> {
    throw new InvalidInputError('passwordHash', 'is not loaded through an entity this library returned');
  }
}
