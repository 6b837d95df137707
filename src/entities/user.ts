import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
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
 * A person who signs in; belongs to one company. `passwordHash` is never serialized.
 *
 * @example
 * const user = await authenticate(db, { email, password }); // a User, or null
 */
export const User = defineEntity({
  name: 'User',
  tableName: 'users',
  properties: {
    id: p.integer().primary().autoincrement(),
    company: p.manyToOne(Company).ref().deleteRule('cascade').index('users_company_id_index'),
    email: p.text().unique('users_email_unique'),
    passwordHash: p.text().hidden().lazy(),
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
});
export type User = InferEntity<typeof User>;
