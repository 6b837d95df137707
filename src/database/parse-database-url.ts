import { isAbsolute, resolve } from 'node:path';
import { InvalidDatabaseUrlError } from '../errors.js';
import { parsePostgresqlUrl } from './parse-postgresql-url.js';

/**
 * libpq's `sslmode`s this library honours (libpq's `allow` is not one: see docs/tls.md).
 *
 * @example
 * const mode: SslMode = 'verify-full';
 */
export type SslMode = 'disable' | 'prefer' | 'require' | 'verify-ca' | 'verify-full';

/**
 * A PostgreSQL URL taken apart, with the libpq query parameters the library honours (see
 * docs/tls.md). `host` is a host name, an IP address (IPv6 without brackets) or, when it starts
 * with `/`, the directory of a Unix-domain socket.
 *
 * @example
 * const pg = parseDatabaseUrl('postgresql://app@db/app?sslmode=verify-full') as PostgresqlUrl;
 * pg.sslMode; // 'verify-full'
 */
export interface PostgresqlUrl {
  dialect: 'postgresql';
  /** The URL as given, with the scheme normalized to `postgresql://` (redact it before showing it). */
  url: string;
  host: string;
  port: number;
  user: string;
  password: string;
  database: string;
  /** `disable` when the URL names none (libpq's default is `prefer`: see docs/tls.md). */
  sslMode: SslMode;
  /** `sslrootcert`: a CA file, or `system` for the platform's CAs (as libpq 16). */
  sslRootCert?: string;
  /** `sslcert`: the client certificate file. */
  sslCert?: string;
  /** `sslkey`: the client key file. */
  sslKey?: string;
  /** `sslpassword`: the passphrase of `sslKey` (a secret). */
  sslPassword?: string;
  applicationName?: string;
  /** `options`: command-line options sent to the server at connection start (`-c name=value …`). */
  options?: string;
  /** `connect_timeout` in seconds as libpq reads it (0 = wait forever; 1 counts as 2). */
  connectTimeoutSeconds?: number;
}

/**
 * A database URL taken apart. `url` of PostgreSQL is normalized to `postgresql://`.
 *
 * @example
 * const parsed: ParsedDatabaseUrl = parseDatabaseUrl('sqlite:///./app.db');
 */
export type ParsedDatabaseUrl =
  | { dialect: 'sqlite' /** absolute file path, or `:memory:` */; path: string }
  | PostgresqlUrl;

/**
 * The default when neither an option nor `DATABASE_URL` names a database (as in the Python backend).
 *
 * @example
 * const url = process.env.DATABASE_URL ?? DEFAULT_DATABASE_URL;
 */
export const DEFAULT_DATABASE_URL = 'sqlite:///./app.db';

/**
 * Parses the SQLAlchemy-style URLs of the original backend:
 * `sqlite:///./app.db` (relative to `cwd`), `sqlite:////abs/path.db`, `sqlite:///:memory:`,
 * `postgresql://…`, `postgres://…` and `postgresql+psycopg2://…` (driver suffix ignored), whose
 * query parameters mean what they mean to libpq (`sslmode`, `host=/socket/dir`, … see docs/tls.md);
 * one the library cannot honour is refused by name.
 *
 * @throws InvalidDatabaseUrlError, whose message never contains the password.
 *
 * @example
 * parseDatabaseUrl('postgresql+psycopg2://u:pw@db:5432/app'); // { dialect: 'postgresql', host: 'db', … }
 */
export function parseDatabaseUrl(raw: unknown, cwd = process.cwd()): ParsedDatabaseUrl {
  if (typeof raw !== 'string' || raw.trim() === '') {
    throw new InvalidDatabaseUrlError(
      typeof raw === 'string' ? raw : String(typeof raw),
      'expected a non-empty string',
    );
  }
  const text = raw.trim();
  // No file name, host, user or database can hold a NUL: the C libraries below would cut the
  // string there (sqlite:///./a\0b.db would open "a"), so it is refused, escaped or not.
  if (text.includes('\u0000') || /%00/.test(text))
    throw new InvalidDatabaseUrlError(redactDatabaseUrl(text), 'it contains a NUL byte');
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(text)?.[1]?.toLowerCase();
  const base = scheme?.split('+')[0];
  if (base === 'sqlite') return parseSqlite(text, cwd);
  if (base === 'postgresql' || base === 'postgres') return parsePostgres(text);
  throw new InvalidDatabaseUrlError(redactDatabaseUrl(text), scheme ? `unknown scheme "${scheme}"` : 'no scheme');
}

function parseSqlite(text: string, cwd: string): ParsedDatabaseUrl {
  const match = /^sqlite(?:\+[a-z0-9]+)?:\/\/\/(.*)$/i.exec(text);
  if (!match)
    throw new InvalidDatabaseUrlError(redactDatabaseUrl(text), 'SQLite URLs have three slashes before the path');
  const rest = match[1].split('?')[0];
  if (rest === '') throw new InvalidDatabaseUrlError(text, 'the SQLite path is empty');
  if (rest === ':memory:') return { dialect: 'sqlite', path: ':memory:' };
  // sqlite:////abs → rest "/abs"; sqlite:///rel → rest "rel", relative to the working directory.
  const path = isAbsolute(rest) ? rest : resolve(cwd, rest);
  return { dialect: 'sqlite', path };
}

function parsePostgres(text: string): ParsedDatabaseUrl {
  return parsePostgresqlUrl(text.replace(/^[a-z][a-z0-9+.-]*:/i, 'postgresql:'), redactDatabaseUrl(text));
}

/**
 * Replaces the password of a URL with `***`, for messages and logs: the one before the host and
 * libpq's `password` and `sslpassword` query parameters. Works on unparseable text too.
 *
 * @example
 * redactDatabaseUrl('postgresql://app:s3cret@db/app'); // 'postgresql://app:***@db/app'
 * redactDatabaseUrl('postgresql://db/app?password=s3cret'); // 'postgresql://db/app?password=***'
 */
export function redactDatabaseUrl(text: string): string {
  const match = /^([a-z][a-z0-9+.-]*:\/\/)([^/?#]*)(.*)$/is.exec(text);
  if (!match) return redactQueryPasswords(text);
  const [, scheme, authority, rest] = match;
  const at = authority.lastIndexOf('@');
  const colon = at < 0 ? -1 : authority.slice(0, at).indexOf(':');
  if (colon < 0) return `${scheme}${authority}${redactQueryPasswords(rest)}`;
  return `${scheme}${authority.slice(0, colon)}:***${authority.slice(at)}${redactQueryPasswords(rest)}`;
}

/**
 * Hides the values of query parameters that hold secrets: libpq's `password=` and `sslpassword=`
 * (any case), and any other parameter whose name holds pas, pwd, secret or token (a misspelt
 * `pasword=` is refused as unknown, and its message must not show its value either).
 *
 * @example
 * redactQueryPasswords('postgresql://db/app?pasword=x&sslmode=require'); // '…?pasword=***&sslmode=require'
 */
export function redactQueryPasswords(text: string): string {
  return text.replace(/([?&][^=&#\s'"]*(?:pas|pwd|secret|token)[^=&#\s'"]*=)[^&#\s'"]*/gi, '$1***');
}

/**
 * How messages name a parsed database (a SQLite file's path, a PostgreSQL URL without its
 * password) and the secret they must never show (the password, if any).
 *
 * @example
 * const { where, secret } = describeDatabase(parseDatabaseUrl(url));
 */
export function describeDatabase(parsed: ParsedDatabaseUrl): { where: string; secret: string | undefined } {
  return parsed.dialect === 'sqlite'
    ? { where: parsed.path, secret: undefined }
    : { where: redactDatabaseUrl(parsed.url), secret: parsed.password || undefined };
}
