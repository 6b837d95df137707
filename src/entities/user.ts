import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
import { createdAt, optionalTimestamp } from './timestamps.js';

export const USER_ROLES = ['admin', 'regular'] as const;
export type UserRole = (typeof USER_ROLES)[number];

/** A person who signs in; belongs to one company. `passwordHash` is never serialized. */
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
