import { User } from '../entities/user.js';
import { requireId } from '../validation/validators.js';
import { guard } from './guard.js';
import { ownQuery, readFork } from './read-fork.js';
import type { TenantContext } from './tenant-context.js';

/**
 * A user as the tenant scope returns it: never with its password hash.
 *
 * @example
 * const user: PublicUser | null = await t.users.get(userId);
 */
export type PublicUser = Omit<User, 'passwordHash'>;

/**
 * The users of one company. `passwordHash` is never read (these queries do not select it) and
 * cannot be loaded later through a returned user: the lazy reference MikroORM puts on the
 * entity would fetch it on `.load()`, so it is replaced by a read-only `undefined`.
 *
 * @example
 * const people = await db.forCompany(companyId).users.list();
 */
export class UserRepository {
  readonly #ctx: TenantContext;

  constructor(ctx: TenantContext) {
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
    return guard('Reading a user', async () => {
      const user = await readFork(this.#ctx).findOne(
        User,
        { id: uid, company: this.#ctx.companyId },
        ownQuery({ exclude: ['passwordHash'] as const }),
      );
      return user && withoutPasswordHash(user);
    });
  }

  /**
   * Every user of this company, by id.
   *
   * @example
   * const users = await t.users.list();
   */
  async list(): Promise<PublicUser[]> {
    return guard('Listing users', async () => {
      const users = await readFork(this.#ctx).find(
        User,
        { company: this.#ctx.companyId },
        ownQuery({ orderBy: { id: 'asc' } as const, exclude: ['passwordHash'] as const }),
      );
      return users.map(withoutPasswordHash);
    });
  }
}

function withoutPasswordHash(user: PublicUser): PublicUser {
  Object.defineProperty(user, 'passwordHash', {
    value: undefined,
    enumerable: false,
    writable: false,
    configurable: false,
  });
  return user;
}
