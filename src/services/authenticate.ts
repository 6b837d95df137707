import { convertError } from '../database/convert-error.js';
import { User } from '../entities/user.js';
import { InvalidCredentialsError } from '../errors.js';
import { detachReturned } from '../tenant/detach.js';
import { rejectUnknownKeys, requireObject, requireString } from '../validation/validators.js';
import { verifyPassword } from './hash-password.js';
import { EMAIL_MAX_LENGTH, emailSpellings, normalizeEmail } from './normalize-email.js';
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

/**
 * Checks an email and password. Returns the user (without the hash) and records `lastLoginAt`,
 * or returns `null` for an unknown email or a wrong password. Both misses take about as long
 * as a wrong password (one cost-12 bcrypt comparison), so timing does not reveal which emails exist.
 * Hashes written by the original Python backend (passlib, `$2b$12$…`) verify unchanged.
 *
 * @throws INVALID_INPUT only when email or password is not a string.
 * @example
 * const user = await authenticate(db, { email: 'ada@acme.test', password: 'correct horse 9' });
 * if (!user) return reply.status(401);
 */
export async function authenticate(db: ServiceTarget, input: AuthenticateInput): Promise<User | null> {
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
        : await em
            .createQueryBuilder(User, undefined, 'write')
            .select(['id', 'email', 'passwordHash'])
            .where(`lower(email) in (${spellings.map(() => '?').join(', ')})`, spellings)
            .limit(spellings.length)
            .execute<{ id: number; email: string; passwordHash: string }[]>('all');
    // Two spellings of one mailbox may both have an account from before normalization: the one
    // typed wins, then the normalized one.
    const typedLower = typed.toLowerCase();
    const rankOf = (row: { email: string }) => {
      const stored = row.email.toLowerCase();
      return stored === typedLower ? -1 : spellings.indexOf(stored) >>> 0;
    };
    const row = rows.sort((a, b) => rankOf(a) - rankOf(b))[0] ?? null;
    if (!(await verifyPassword(password, row?.passwordHash ?? null)) || !row) return null;
    const user = await em.transactional(async (tx) => {
      const found = await tx.findOne(User, row.id);
      if (found) found.lastLoginAt = new Date();
      return found;
    });
    return detachReturned(user);
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
export async function authenticateOrFail(db: ServiceTarget, input: AuthenticateInput): Promise<User> {
  const user = await authenticate(db, input);
  if (!user) throw new InvalidCredentialsError();
  return user;
}
