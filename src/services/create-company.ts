import { convertError } from '../database/convert-error.js';
import type { Company, CompanySettings } from '../entities/company.js';
import { query, transaction } from '../executor/executor.js';
import { sqlJson, sqlTimestamp } from '../lifecycle/sql.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalNumber,
  rejectUnknownKeys,
  requireJson,
  requireObject,
  requireString,
} from '../validation/validators.js';
import { COMPANY_COLUMNS, companyFromRow } from './service-rows.js';
import { type ServiceTarget, toEntityManager } from './to-entity-manager.js';
import { withFreshInviteToken } from './with-fresh-invite-token.js';

/**
 * Input of {@link createCompany}: the company's display name and, optionally, its settings.
 *
 * @example
 * const input: CreateCompanyInput = { name: 'Acme Corp', settings: { brokenAfterFailures: 5 } };
 * const company = await createCompany(db, input);
 */
export interface CreateCompanyInput {
  /** Display name, trimmed; 1–500 characters. */
  name: string;
  /** JSON object of company settings (default `{}`). */
  settings?: CompanySettings;
}

const INSERT_COMPANY_SQL =
  'insert into "companies" ("name", "invite_token", "settings", "created_at") values (?, ?, ?, ?) ' +
  `returning ${COMPANY_COLUMNS}`;

/**
 * Creates a company (a tenant) with a fresh invite token: 32 random bytes, base64url (43 characters).
 *
 * @throws INVALID_INPUT for a bad name or settings; nothing is written.
 * @example
 * const company = await createCompany(db, { name: 'Acme Corp' });
 * console.log(company.id, company.inviteToken);
 */
export async function createCompany(db: ServiceTarget, input: CreateCompanyInput): Promise<Company> {
  const fields = requireObject('input', input);
  rejectUnknownKeys('input', fields, ['name', 'settings']);
  const name = requireString('name', fields.name, { trim: true, max: LIMITS.shortText });
  const settings = validateSettings(fields.settings ?? {});
  const em = toEntityManager(db);
  try {
    const rows = await withFreshInviteToken((inviteToken) =>
      transaction(
        em,
        () => query(em, INSERT_COMPANY_SQL, [name, inviteToken, sqlJson(settings), sqlTimestamp(new Date())]),
        { savepoint: true },
      ),
    );
    return companyFromRow(em, rows[0]);
  } catch (error) {
    throw convertError(error, 'Creating the company');
  }
}

function validateSettings(value: unknown): CompanySettings {
  const settings = requireJson<CompanySettings>('settings', value, { object: true });
  optionalNumber('settings.brokenAfterFailures', settings.brokenAfterFailures, { integer: true, min: 1 });
  return settings;
}
