import { defineEntity, type HiddenProps, type OptionalProps, p, type Ref, type ScalarReference } from '@mikro-orm/core';
import { Company } from './company.js';
import { schemaFor } from './schema-for.js';
import { createdAt, optionalTimestamp } from './timestamps.js';

/**
 * Roles a user can have, enforced by a CHECK constraint.
 *
 * @example
 * const isAdmin = user.role === USER_ROLES[0];
 */
export const USER_ROLES = ['admin', 'regular'] as const;
/**
 * One of {@link USER_ROLES}.
 *
 * @example
 * const role: UserRole = 'regular';
 */
export type UserRole = (typeof USER_ROLES)[number];

/**
 * A person who signs in; belongs to one company (table `users`). `passwordHash` is never serialized.
 *
 * @example
 * const user = await authenticate(db, { email, password }); // a User, or null
 */
export interface User {
  /** Auto-increment id, never reused. */
  id: number;
  /** The company the user belongs to (`company_id`, deleted with it). */
  company: Ref<Company>;
  /** Trimmed and lower-cased; unique across all companies, case-insensitively. */
  email: string;
  /**
   * The bcrypt hash (`$2b$12$…`). Lazy: not loaded unless asked for by name, so a loaded user
   * holds an unloaded reference; hidden: never in JSON, `toObject()` or `util.inspect`.
   */
  passwordHash: ScalarReference<string>;
  /** Display name. */
  name: string | null | undefined;
  /** What the user may do: {@link UserRole}. */
  role: UserRole;
  /** When the row was inserted. */
  createdAt: Date;
  /** The last successful sign-in. */
  lastLoginAt: Date | null | undefined;
  [OptionalProps]?: 'id' | 'createdAt';
  [HiddenProps]?: 'passwordHash';
}

/**
 * The schema of {@link User}, for `em.find(User, …)` and a host's `entities`.
 *
 * @example
 * const admins = await em.find(User, { company: companyId, role: 'admin' });
 */
export const User = schemaFor<User>()(
  defineEntity({
    name: 'User',
    tableName: 'users',
    properties: {
      id: p.integer().primary().autoincrement(),
      company: p.manyToOne(Company).ref().deleteRule('cascade').updateRule('cascade').index('users_company_id_index'),
      email: p.text().unique('users_email_unique'),
      // MikroORM 7's lazy() no longer implies ref(): the ScalarReference stays, as in 0.1.
      passwordHash: p.text().hidden().lazy().ref(),
      name: p.text().nullable(),
      role: p.enum([...USER_ROLES]),
      createdAt: createdAt(),
      lastLoginAt: optionalTimestamp(),
    },
    uniques: [
      // Emails are stored trimmed and lower-cased; this makes the database refuse a
      // case variant even from a writer that skipped the normalization.
      {
        name: 'users_email_lower_unique',
        expression: 'create unique index users_email_lower_unique on users (lower(email))',
      },
    ],
  }),
);
