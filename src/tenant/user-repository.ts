import { User } from '../entities/user.js';
import { query, READ } from '../executor/executor.js';
import { requireId } from '../validation/validators.js';
import { guard } from './guard.js';
import { mapRows } from './map-rows.js';
import { readColumns } from './read-columns.js';
import type { TenantContext } from './tenant-context.js';

// The password hash is not among the columns read.
const SELECT_USER_SQL = `select ${readColumns('users')} from "users" where "id" = ? and "company_id" = ?`;

/**
 * A user as the tenant scope returns it: never with its password hash.
 *
 * @example
 * const user: PublicUser | null = await t.users.get(userId);
 */
export type PublicUser = Omit<User, 'passwordHash'>;

let construct: (ctx: TenantContext) => UserRepository;

/**
 * The UserRepository of a scope's context (the class's constructor is private). Internal.
 *
 * @example
 * const repository = userRepository(ctx);
 */
export function userRepository(ctx: TenantContext): UserRepository {
  return construct(ctx);
}

/**
 * The users of one company. `passwordHash` is never read (these statements do not select it),
 * and a returned user has no way to load it: the property is a read-only `undefined`.
 *
 * @example
 * const people = await db.forCompany(companyId).users.list();
 */
export class UserRepository {
  readonly #ctx: TenantContext;

  static {
    construct = (ctx) => new UserRepository(ctx);
  }

  // Private: a host gets repositories only from a tenant scope, and the declaration names no internal type.
  private constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * The user with this id, or null when there is none in this company.
   *
   * @example
   * const user = await t.users.get(3);
   */
  async get(id: number): Promise<PublicUser | null> {
    const uid = requireId('id', id);
    const ctx = this.#ctx;
    return guard('Reading a user', async () => {
      const rows = await query(ctx.em, SELECT_USER_SQL, [uid, ctx.companyId], READ);
      return rows.length === 0 ? null : withoutPasswordHash(mapRows(ctx.references(), User, rows)[0]);
    });
  }

  /**
   * Every user of this company, by id.
   *
   * @example
   * const users = await t.users.list();
   */
  async list(): Promise<PublicUser[]> {
    const ctx = this.#ctx;
    return guard('Listing users', async () =>
      mapRows(ctx.references(), User, await query(ctx.em, ctx.dialect.tenant.companyUsers, [ctx.companyId], READ)).map(
        withoutPasswordHash,
      ),
    );
  }
}

function withoutPasswordHash(user: User): PublicUser {
  Object.defineProperty(user, 'passwordHash', {
    value: undefined,
    enumerable: false,
    writable: false,
    configurable: false,
  });
  return user;
}
