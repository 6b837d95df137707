import { convertError } from '../database/convert-error.js';
import type { User } from '../entities/user.js';
import { NotFoundError } from '../errors.js';
import { query } from '../executor/executor.js';
import { LIMITS } from '../validation/limits.js';
import { optionalString, rejectUnknownKeys, requireId, requireObject } from '../validation/validators.js';
import { insertUser } from './insert-user.js';
import { emailSpellings, normalizeEmail } from './normalize-email.js';
import { type ServiceTarget, toEntityManager } from './to-entity-manager.js';
import { validatePassword } from './validate-password.js';

/**
 * Input of {@link createAdmin}: the new admin's company, sign-in credentials and optional display name.
 *
 * @example
 * const input: CreateAdminInput = { companyId: company.id, email: 'ada@acme.test', password: 'correct horse 9', name: 'Ada' };
 * const admin = await createAdmin(db, input);
 */
export interface CreateAdminInput {
  companyId: number;
  /** Trimmed and stored lower-cased; unique across all companies, whatever the case. */
  email: string;
  /** At least 8 characters with a letter and a digit, at most 72 UTF-8 bytes. Stored as a bcrypt hash (cost 12). */
  password: string;
  name?: string | null;
}

/**
 * Creates a user with role `admin` in an existing company. The returned user does not carry
 * the password hash (and `JSON.stringify` never shows it).
 *
 * @throws INVALID_INPUT (with the field), NOT_FOUND when the company does not exist,
 * DUPLICATE_EMAIL when the email is taken (also when a concurrent call took it first).
 * @example
 * const admin = await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password: 'correct horse 9' });
 */
export async function createAdmin(db: ServiceTarget, input: CreateAdminInput): Promise<User> {
  const fields = requireObject('input', input);
  rejectUnknownKeys('input', fields, ['companyId', 'email', 'password', 'name']);
  const companyId = requireId('companyId', fields.companyId);
  const email = normalizeEmail(fields.email);
  const spellings = emailSpellings(fields.email as string, email);
  const password = validatePassword(fields.password);
  const name = optionalString('name', fields.name, { trim: true, max: LIMITS.shortText }) ?? null;
  const em = toEntityManager(db);
  let exists: boolean;
  try {
    exists = (await query(em, 'select 1 as "ok" from "companies" where "id" = ?', [companyId])).length > 0;
  } catch (error) {
    throw convertError(error, 'Looking up the company');
  }
  if (!exists) throw new NotFoundError('Company', companyId);
  return insertUser(em, { companyId, email, spellings, password, name, role: 'admin' });
}
