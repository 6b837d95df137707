import { redactDatabaseUrl, redactQueryPasswords } from './parse-database-url.js';

const BCRYPT_HASH = /\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}/g;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s'"]*@[^\s'"]*/gi;
// An invite token lets anyone join its company. Tokens are 32 random bytes in base64url (43
// characters, see generateInviteToken); a value in an invite_token comparison or assignment is
// hidden whatever its form, and so is any 43-character base64url word (an insert's values, a
// driver's "Key (invite_token)=(…)"), at the cost of hiding an unrelated word of that shape.
const INVITE_TOKEN_COMPARED = /(invite_token["`]?\s*(?:=|in\s*\()\s*)'[^']*'/gi;
const INVITE_TOKEN_LITERAL = /(['"(=,\s])[A-Za-z0-9_-]{43}(?=['")\s,]|$)/g;

/** Removes password hashes, URL passwords and invite tokens from text bound for a log or an error. */
export function redactSecrets(text: string): string {
  return redactQueryPasswords(
    text
      .replace(BCRYPT_HASH, '[redacted hash]')
      .replace(URL_WITH_PASSWORD, (url) => redactDatabaseUrl(url))
      .replace(INVITE_TOKEN_COMPARED, "$1'[redacted token]'")
      .replace(INVITE_TOKEN_LITERAL, '$1[redacted token]'),
  );
}
