import { domainToASCII, domainToUnicode } from 'node:url';
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
// Checked on the domain's IDNA (ASCII) form: letters, digits and inner hyphens.
const DOMAIN_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

/**
 * Trims, validates and normalizes an email address, the form in which emails are stored and
 * compared: the local part in Unicode NFKC, lower-cased (`ﬀ` is `ff`), the domain in its IDNA
 * ASCII form (`exämple.test` is `xn--exmple-cua.test`), so each mailbox has one spelling. A
 * dot-atom local part of at most 64 characters, a domain of at least two labels, and at most
 * {@link EMAIL_MAX_LENGTH} characters in all.
 *
 * @example
 * normalizeEmail('  Ada@Example.COM '); // 'ada@example.com'
 * normalizeEmail('ada@exämple.test');   // 'ada@xn--exmple-cua.test'
 * normalizeEmail('not an email');       // throws INVALID_INPUT (field "email")
 */
export function normalizeEmail(value: unknown, field = 'email'): string {
  const typed = requireString(field, value, { trim: true, max: EMAIL_MAX_LENGTH }).normalize('NFKC');
  const at = typed.lastIndexOf('@');
  const local = typed.slice(0, at).toLowerCase().normalize('NFKC');
  if (at < 1 || !LOCAL_PART.test(local) || local.length > 64) {
    throw new InvalidInputError(field, 'expected an email address like name@example.com');
  }
  // Lower-cases, maps compatibility characters (UTS #46) and gives '' when there is no valid IDNA form.
  const domain = domainToASCII(typed.slice(at + 1));
  const labels = domain.split('.');
  if (
    labels.length < 2 ||
    !labels.every((label) => DOMAIN_LABEL.test(label) && validPunycode(label)) ||
    /^\d+$/.test(labels.at(-1)!)
  ) {
    throw new InvalidInputError(field, 'expected an email address like name@example.com (the domain is not valid)');
  }
  const email = `${local}@${domain}`;
  if (email.length > EMAIL_MAX_LENGTH)
    throw new InvalidInputError(field, `must be at most ${EMAIL_MAX_LENGTH} characters`);
  return email;
}

/**
 * Whether an `xn--` label decodes to Unicode that encodes back to it (other labels need nothing).
 * Node 20 and 22 give '' for a domain with an undecodable label such as `xn--a`; Node 24 and
 * later pass such a label through unchanged, so the round trip is checked here, on every Node.
 */
function validPunycode(label: string): boolean {
  if (!label.startsWith('xn--')) return true;
  const unicode = domainToUnicode(label);
  return unicode !== '' && unicode !== label && domainToASCII(unicode) === label;
}

/**
 * The spellings under which an account with this address may be stored: the normalized form, the
 * same with its domain in Unicode, and the address as typed (trimmed, lower-cased). Earlier
 * versions and the original backend stored the typed form, and those rows are not rewritten.
 * `normalized` is null when the typed text is no valid address (an old row may still hold it). @internal
 */
export function emailSpellings(typed: string, normalized: string | null): string[] {
  const spellings = new Set<string>();
  if (normalized !== null) {
    spellings.add(normalized);
    const at = normalized.lastIndexOf('@');
    spellings.add(`${normalized.slice(0, at)}@${domainToUnicode(normalized.slice(at + 1))}`);
  }
  spellings.add(typed.trim().toLowerCase());
  return [...spellings];
}
