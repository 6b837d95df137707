import { convertError } from '../database/convert-error.js';
import { InvalidCredentialsError } from '../errors.js';
import { query, transaction } from '../executor/executor.js';
import { sqlTimestamp } from '../lifecycle/sql.js';
import type { PublicUser } from '../tenant/user-repository.js';
import { rejectUnknownKeys, requireObject, requireString } from '../validation/validators.js';
import { verifyPassword } from './hash-password.js';
import { EMAIL_MAX_LENGTH, emailSpellings, normalizeEmail } from './normalize-email.js';
import { USER_COLUMNS, userFromRow } from './service-rows.js';
import { type ServiceTarget, toEntityManager } from './to-entity-manager.js';

/**
 * Input of {@link authenticate} and {@link authenticateOrFail}: the credentials as the user typed them.
 *
 * @example
 * const credentials: AuthenticateInput = { email: 'Ada@Acme.test ', password: 'correct horse 9' };
 * const user = await authenticate(db, credentials);
 */
export interface AuthenticateInput {
  /** Normalized as `normalizeEmail` does (trimmed, any case, NFKC, either form of an international domain). */
  email: string;
  password: string;
}

const SIGN_IN_SQL = `update "users" set "last_login_at" = ? where "id" = ? returning ${USER_COLUMNS}`;

/**
 * Checks an email and password. Returns the user (without the hash, in its type too) and records `lastLoginAt`,
 * or returns `null` for an unknown email or a wrong password. Both misses take about as long
 * as a wrong password (one cost-12 bcrypt comparison), so timing does not reveal which emails exist.
 * Hashes written by the original Python backend (passlib, `$2b$12$…`) verify unchanged.
 *
 * @throws INVALID_INPUT only when email or password is not a string.
 * @example
 * const user = await authenticate(db, { email: 'ada@acme.test', password: 'correct horse 9' });
 * if (!user) return reply.status(401);
 */
export async function authenticate(db: ServiceTarget, input: AuthenticateInput): Promise<PublicUser | null> {
  const fields = requireObject('input', input);
  rejectUnknownKeys('input', fields, ['email', 'password']);
  const typed = requireString('email', fields.email, {
    trim: true,
    allowEmpty: true,
    max: Number.MAX_SAFE_INTEGER,
  });
  const password = requireString('password', fields.password, { allowEmpty: true, max: Number.MAX_SAFE_INTEGER });
  // A text that is no valid address can still match an account stored before validation.
  let normalized: string | null = null;
  try {
    normalized = normalizeEmail(typed);
  } catch {
    // not an address: only the typed spelling is looked up
  }
  // An address longer than any stored one cannot match: skip the query, never the comparison.
  const spellings = emailSpellings(typed, normalized).filter((s) => s.length <= EMAIL_MAX_LENGTH);
  const em = toEntityManager(db);
  try {
    const rows =
      spellings.length === 0
        ? []
        : await query<{ id: number; email: string; password_hash: string }>(
            em,
            'select "id", "email", "password_hash" from "users" ' +
              `where lower("email") in (${spellings.map(() => '?').join(', ')}) limit ${spellings.length}`,
            spellings,
          );
    // Two spellings of one mailbox may both have an account from before normalization: the one
    // typed wins, then the normalized one.
    const typedLower = typed.toLowerCase();
    const rankOf = (row: { email: string }) => {
      const stored = row.email.toLowerCase();
      return stored === typedLower ? -1 : spellings.indexOf(stored) >>> 0;
    };
    const row = rows.sort((a, b) => rankOf(a) - rankOf(b))[0] ?? null;
    if (!(await verifyPassword(password, row?.password_hash ?? null)) || !row) return null;
    // No row when the user was deleted since the look-up.
    const signedIn = await transaction(em, () => query(em, SIGN_IN_SQL, [sqlTimestamp(new Date()), row.id]), {
      savepoint: true,
    });
    return signedIn.length === 0 ? null : userFromRow(em, signedIn[0]);
  } catch (error) {
    throw convertError(error, 'Signing in');
  }
}

/**
 * Like {@link authenticate}, but throws instead of returning `null`.
 *
 * @throws INVALID_CREDENTIALS for an unknown email or a wrong password (not told apart).
 * @example
 * const user = await authenticateOrFail(db, { email, password });
 */
export async function authenticateOrFail(db: ServiceTarget, input: AuthenticateInput): Promise<PublicUser> {
  const user = await authenticate(db, input);
  if (!user) throw new InvalidCredentialsError();
  return user;
}
