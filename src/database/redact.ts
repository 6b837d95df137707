import { redactDatabaseUrl } from './parse-database-url.js';

const BCRYPT_HASH = /\$2[abxy]?\$\d\d\$[./A-Za-z0-9]{53}/g;
const URL_WITH_PASSWORD = /[a-z][a-z0-9+.-]*:\/\/[^\s'"]*@[^\s'"]*/gi;

/** Removes password hashes and URL passwords from text bound for a log or an error. */
export function redactSecrets(text: string): string {
  return text.replace(BCRYPT_HASH, '[redacted hash]').replace(URL_WITH_PASSWORD, (url) => redactDatabaseUrl(url));
}
