import bcrypt from 'bcryptjs';
import { PASSWORD_MAX_BYTES } from './validate-password.js';

/**
 * The bcrypt cost of every hash this library writes (as the original Python backend did). Every
 * sign-in runs one comparison at this cost, hit or miss.
 *
 * @example
 * const weaker = Number(storedHash.split('$')[2]) < BCRYPT_COST; // a hash imported from elsewhere
 */
export const BCRYPT_COST = 12;

/**
 * A cost-12 hash of 32 random bytes that were thrown away: compared against when the email is
 * unknown, so that a miss costs as much as a wrong password. It was computed once, when this file
 * was written; computing it lazily would make the first miss take twice as long, itself a signal.
 */
const DUMMY_HASH = '$2b$12$6oIb9fMrFuSZvEuEkQX0rOWR7qIBLwhuqEhI2J86TUw7jM1E3gfu.';
const BCRYPT_HASH = /^\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}$/;

/**
 * Hashes a password with bcrypt at {@link BCRYPT_COST}, using the asynchronous API so that the
 * event loop keeps serving other work. Validate the password first ({@link validatePassword}).
 *
 * @example
 * const passwordHash = await hashPassword('correct horse 9'); // '$2b$12$…'
 */
export async function hashPassword(password: string): Promise<string> {
  return bcrypt.hash(password, BCRYPT_COST);
}

/**
 * Checks a password against a stored bcrypt hash (`$2a$`, `$2b$`, `$2y$`, as passlib wrote them).
 * `null` as the hash compares against a dummy hash and returns false, taking the same time. A
 * password over 72 bytes is never accepted (bcrypt would compare only its first 72 bytes), and a
 * malformed hash counts as a mismatch.
 *
 * @example
 * if (await verifyPassword(input, row?.passwordHash ?? null)) { … }
 */
export async function verifyPassword(password: string, hash: string | null): Promise<boolean> {
  const tooLong = Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES;
  // Every miss still runs one full comparison (bcryptjs answers a malformed hash at once), so
  // that how long a sign-in takes does not tell which check failed.
  const usable = !tooLong && hash !== null && BCRYPT_HASH.test(hash);
  const matches = await bcrypt
    .compare(usable ? password : password.slice(0, PASSWORD_MAX_BYTES), usable ? hash : DUMMY_HASH)
    .catch(() => false);
  return usable && matches;
}
