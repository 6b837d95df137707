import { convertError } from '../database/convert-error.js';
import type { User } from '../entities/user.js';
import { InvalidInviteTokenError, NotFoundError } from '../errors.js';
import { query } from '../executor/executor.js';
import { LIMITS } from '../validation/limits.js';
import { optionalString, rejectUnknownKeys, requireObject, requireString } from '../validation/validators.js';
import { insertUser } from './insert-user.js';
import { emailSpellings, normalizeEmail } from './normalize-email.js';
import { type ServiceTarget, toEntityManager } from './to-entity-manager.js';
import { validatePassword } from './validate-password.js';

/**
 * Input of {@link joinCompany}: the invite token the user was given, and their credentials.
 *
 * @example
 * const input: JoinCompanyInput = { inviteToken, email: 'bob@acme.test', password: 'hunter22 again', name: 'Bob' };
 * const user = await joinCompany(db, input);
 */
export interface JoinCompanyInput {
  /** The company's current invite token (see {@link rotateInviteToken}). */
  inviteToken: string;
  email: string;
  password: string;
  name?: string | null;
}

/**
 * Signs a user up into the company whose invite token is given, with role `regular`. Email and
 * password rules are those of {@link createAdmin}.
 *
 * @throws INVALID_INPUT (with the field), INVALID_INVITE_TOKEN when no company has the token,
 * DUPLICATE_EMAIL when the email is taken.
 * @example
 * const user = await joinCompany(db, { inviteToken, email: 'bob@acme.test', password: 'hunter22 again' });
 */
export async function joinCompany(db: ServiceTarget, input: JoinCompanyInput): Promise<User> {
  const fields = requireObject('input', input);
  rejectUnknownKeys('input', fields, ['inviteToken', 'email', 'password', 'name']);
  const inviteToken = requireString('inviteToken', fields.inviteToken, { trim: true, max: LIMITS.shortText });
  const email = normalizeEmail(fields.email);
  const spellings = emailSpellings(fields.email as string, email);
  const password = validatePassword(fields.password);
  const name = optionalString('name', fields.name, { trim: true, max: LIMITS.shortText }) ?? null;
  const em = toEntityManager(db);
  let companyId: number | undefined;
  try {
    const rows = await query<{ id: number }>(em, 'select "id" from "companies" where "invite_token" = ?', [
      inviteToken,
    ]);
    companyId = rows.length > 0 ? Number(rows[0].id) : undefined;
  } catch (error) {
    throw convertError(error, 'Looking up the invite token');
  }
  if (companyId === undefined) throw new InvalidInviteTokenError();
  try {
    return await insertUser(em, { companyId, email, spellings, password, name, role: 'regular' });
  } catch (error) {
    // The company was deleted after the look-up (its foreign key refused the user): its token is gone too.
    if (error instanceof NotFoundError) throw new InvalidInviteTokenError();
    throw error;
  }
}
