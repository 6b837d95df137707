import { InvalidInputError } from '../errors.js';
import { requireString } from '../validation/validators.js';

/**
 * The longest email address accepted (RFC 5321's limit on a forward path, less the brackets).
 *
 * @example
 * const emailField = { type: 'email', maxLength: EMAIL_MAX_LENGTH }; // a sign-up form with the server's limit
 */
export const EMAIL_MAX_LENGTH = 254;

// Dot-atom local part (RFC 5322) plus any Unicode letter or digit (RFC 6531); quoted local parts are refused.
const LOCAL_PART = /^[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+(\.[\p{L}\p{N}!#$%&'*+/=?^_`{|}~-]+)*$/u;
const DOMAIN_LABEL = /^[\p{L}\p{N}](?:[\p{L}\p{N}-]{0,61}[\p{L}\p{N}])?$/u;

/**
 * Trims, validates and lower-cases an email address, the form in which emails are stored and
 * compared: `local@domain.tld` with a dot-atom local part of at most 64 characters, a domain of
 * at least two labels, and at most {@link EMAIL_MAX_LENGTH} characters in all.
 *
 * @example
 * normalizeEmail('  Ada@Example.COM '); // 'ada@example.com'
 * normalizeEmail('not an email');      // throws INVALID_INPUT (field "email")
 */
export function normalizeEmail(value: unknown, field = 'email'): string {
  const email = requireString(field, value, { trim: true, max: EMAIL_MAX_LENGTH }).toLowerCase();
  if (email.length > EMAIL_MAX_LENGTH)
    throw new InvalidInputError(field, `must be at most ${EMAIL_MAX_LENGTH} characters`);
  const at = email.lastIndexOf('@');
  const local = email.slice(0, at);
  const domain = email.slice(at + 1);
  if (at < 1 || !LOCAL_PART.test(local) || local.length > 64) {
    throw new InvalidInputError(field, 'expected an email address like name@example.com');
  }
  const labels = domain.split('.');
  if (labels.length < 2 || !labels.every((label) => DOMAIN_LABEL.test(label)) || /^\d+$/.test(labels.at(-1)!)) {
    throw new InvalidInputError(field, 'expected an email address like name@example.com (the domain is not valid)');
  }
  return email;
}
