import { defineEntity, type HiddenProps, type OptionalProps, p } from '@mikro-orm/core';
import { schemaFor } from './schema-for.js';
import { createdAt } from './timestamps.js';

/**
 * Settings a company can tune; unknown keys are kept as they are.
 *
 * @example
 * await createCompany(db, { name: 'Acme', settings: { brokenAfterFailures: 5 } });
 */
export interface CompanySettings {
  /** Consecutive failed runs after which a workflow is marked broken (default 3). */
  brokenAfterFailures?: number;
  [key: string]: unknown;
}

/**
 * The tenant root: every other row belongs to exactly one company (table `companies`).
 *
 * @example
 * const company = await createCompany(db, { name: 'Acme' }); // a Company
 */
export interface Company {
  /** Auto-increment id, never reused. */
  id: number;
  /** Display name. */
  name: string;
  /**
   * The secret a new member joins with (32 random bytes, base64url); unique. Hidden: readable by
   * name, but left out of JSON, `toObject()` and `util.inspect`.
   */
  inviteToken: string;
  /** Tunable settings, `{}` by default. */
  settings: CompanySettings;
  /** When the row was inserted. */
  createdAt: Date;
  [OptionalProps]?: 'id' | 'settings' | 'createdAt';
  [HiddenProps]?: 'inviteToken';
}

/**
 * The schema of {@link Company}, for `em.find(Company, …)` and a host's `entities`.
 *
 * @example
 * const acme = await em.findOneOrFail(Company, { id: companyId });
 */
export const Company = schemaFor<Company>()(
  defineEntity({
    name: 'Company',
    tableName: 'companies',
    properties: {
      id: p.integer().primary().autoincrement(),
      name: p.text(),
      inviteToken: p.text().hidden().unique('companies_invite_token_unique'),
      // A raw SQL default, not default('{}'): MikroORM assigns a plain default to what em.create
      // makes, and a json property given the string '{}' is stored as the JSON string "{}".
      settings: p.json<CompanySettings>().defaultRaw("'{}'"),
      createdAt: createdAt(),
    },
  }),
);
