import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
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
 * The tenant root: every other row belongs to exactly one company.
 *
 * @example
 * const company = await createCompany(db, { name: 'Acme' }); // a Company
 */
export const Company = defineEntity({
  name: 'Company',
  tableName: 'companies',
  properties: {
    id: p.integer().primary().autoincrement(),
    name: p.text(),
    inviteToken: p.text().hidden().unique('companies_invite_token_unique'),
    settings: p.json<CompanySettings>().default('{}'),
    createdAt: createdAt(),
  },
});
export type Company = InferEntity<typeof Company>;
