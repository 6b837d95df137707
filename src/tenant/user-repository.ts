import { User } from '../entities/user.js';
import { requireId } from '../validation/validators.js';
import { guard } from './guard.js';
import { ownQuery, readFork } from './read-fork.js';
import type { TenantContext } from './tenant-context.js';

/** A user as the tenant scope returns it: never with its password hash. */
export type PublicUser = Omit<User, 'passwordHash'>;

/**
 * The users of one company. `passwordHash` is never read: it is a lazy property that these
 * queries do not select, and it is hidden from serialization.
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
    return guard('Reading a user', () =>
      readFork(this.#ctx).findOne(
        User,
        { id: uid, company: this.#ctx.companyId },
        ownQuery({ exclude: ['passwordHash'] as const }),
      ),
    );
  }

  /**
   * Every user of this company, by id.
   *
   * @example
   * const users = await t.users.list();
   */
  async list(): Promise<PublicUser[]> {
    return guard('Listing users', () =>
      readFork(this.#ctx).find(
        User,
        { company: this.#ctx.companyId },
        ownQuery({ orderBy: { id: 'asc' } as const, exclude: ['passwordHash'] as const }),
      ),
    );
  }
}
