import { InvalidInputError } from '../errors.js';
import { requireString } from '../validation/validators.js';

/**
 * The fewest characters (Unicode code points) a new password may have.
 *
 * @example
 * const passwordField = { type: 'password', minLength: PASSWORD_MIN_LENGTH };
 */
export const PASSWORD_MIN_LENGTH = 8;
/**
 * The most UTF-8 bytes a password may have: bcrypt ignores everything after byte 72. Count
 * bytes, not characters: an accented letter takes two.
 *
 * @example
 * const tooLong = Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES;
 */
export const PASSWORD_MAX_BYTES = 72;

/**
 * Checks a new password against the policy and returns it unchanged (never trimmed): at least
 * {@link PASSWORD_MIN_LENGTH} characters, a letter and a digit, at most {@link PASSWORD_MAX_BYTES}
 * UTF-8 bytes. Longer passwords are refused rather than silently truncated by bcrypt. Error
 * messages never contain the password.
 *
 * @example
 * validatePassword('correct horse 9'); // returns it
 * validatePassword('short1');          // throws INVALID_INPUT (field "password")
 */
export function validatePassword(value: unknown, field = 'password'): string {
  // Rejects non-strings, NUL (passlib refused it too) and lone surrogates (no UTF-8 form).
  const password = requireString(field, value, { max: Number.MAX_SAFE_INTEGER, allowEmpty: true });
  if ([...password].length < PASSWORD_MIN_LENGTH) {
    throw new InvalidInputError(field, `must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (Buffer.byteLength(password, 'utf8') > PASSWORD_MAX_BYTES) {
    throw new InvalidInputError(
      field,
      `must be at most ${PASSWORD_MAX_BYTES} bytes in UTF-8 (bcrypt ignores the rest)`,
    );
  }
  if (!/\p{L}/u.test(password) || !/\p{Nd}/u.test(password)) {
    throw new InvalidInputError(field, 'must contain at least one letter and one digit');
  }
  return password;
}
