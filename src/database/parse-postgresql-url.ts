import { parse as parseConnectionString } from 'pg-connection-string';
import { InvalidDatabaseUrlError } from '../errors.js';
import type { PostgresqlUrl, SslMode } from './parse-database-url.js';

const SSL_MODES: readonly SslMode[] = ['disable', 'prefer', 'require', 'verify-ca', 'verify-full'];

// The libpq parameters a URL's query may carry here. Anything else (sslcrl, target_session_attrs,
// keepalives, a typo) is refused by name: a parameter that was silently dropped would connect with
// a weaker or different setting than the one written.
const PARAMETERS = new Set([
  'host',
  'port',
  'user',
  'password',
  'dbname',
  'sslmode',
  'sslrootcert',
  'sslcert',
  'sslkey',
  'sslpassword',
  'application_name',
  'options',
  'connect_timeout',
]);

// Why some libpq parameters are refused, beyond "not supported".
const REFUSED_BECAUSE: Record<string, string> = {
  target_session_attrs: 'the library connects to one host and does not choose among several',
  sslcrl: 'Node.js TLS is given no revocation list by this library',
  sslcrldir: 'Node.js TLS is given no revocation list by this library',
  ssl: 'it is not a libpq parameter: write sslmode=',
};

/**
 * Takes a `postgresql://` URL apart as libpq (psql) reads it. pg's own parser
 * (`pg-connection-string`) reads the part before the query: user, password, host (an IPv6 address
 * in brackets, a `%2F`-escaped socket directory) and port. The query is read here, by libpq's rules
 * (`%`-escapes only; `+` is a plus sign), because pg-connection-string reads certificate files while
 * parsing and gives `sslmode` pg's meanings instead of libpq's.
 *
 * @throws InvalidDatabaseUrlError naming the parameter at fault; `where` (the URL, already
 * redacted) is the only form of the URL any message shows.
 *
 * @example
 * parsePostgresqlUrl('postgresql:///app?host=/var/run/postgresql', 'postgresql:///app?host=/var/run/postgresql');
 * // { host: '/var/run/postgresql', port: 5432, database: 'app', sslMode: 'disable', … }
 */
export function parsePostgresqlUrl(url: string, where: string): PostgresqlUrl {
  const refuse = (reason: string): never => {
    throw new InvalidDatabaseUrlError(where, reason);
  };
  // pg-connection-string turns a malformed escape into a literal `%`; libpq refuses it, and so do we.
  if (/%(?![0-9a-f]{2})/i.test(url)) refuse('it has a malformed %-escape');
  const q = url.indexOf('?');
  const base = q < 0 ? url : url.slice(0, q);
  const query = q < 0 ? '' : url.slice(q + 1);

  let parts: ReturnType<typeof parseConnectionString>;
  try {
    parts = parseConnectionString(base);
  } catch (error) {
    refuse(error instanceof URIError ? 'it has a malformed %-escape' : 'not a valid URL');
    throw error; // unreachable: refuse throws
  }
  // pg-connection-string decodes the path with decodeURI, which leaves %2F, %3F, %40 … escaped.
  const path = /^postgresql:\/\/[^/]*(\/.*)?$/i.exec(base)?.[1] ?? '';
  const parsed: PostgresqlUrl = {
    dialect: 'postgresql',
    url,
    host: parts.host ?? '',
    port: 5432,
    user: parts.user ?? '',
    password: parts.password ?? '',
    database: decode(path.slice(1), refuse),
    sslMode: 'disable',
  };
  let port = parts.port ?? '';
  let sslMode: string | undefined;

  for (const pair of query.split('&')) {
    if (pair === '') continue;
    const eq = pair.indexOf('=');
    const name = decode(eq < 0 ? pair : pair.slice(0, eq), refuse);
    const value = decode(eq < 0 ? '' : pair.slice(eq + 1), refuse);
    if (!PARAMETERS.has(name)) {
      refuse(
        `the parameter ${JSON.stringify(name)} is not supported${REFUSED_BECAUSE[name] ? ` (${REFUSED_BECAUSE[name]})` : ''}`,
      );
    }
    switch (name) {
      case 'host':
        if (value !== '') parsed.host = value;
        break;
      case 'port':
        if (value !== '') port = value;
        break;
      case 'user':
        parsed.user = value;
        break;
      case 'password':
        parsed.password = value;
        break;
      case 'dbname':
        if (value !== '') parsed.database = value;
        break;
      case 'sslmode':
        sslMode = value;
        break;
      case 'sslrootcert':
        parsed.sslRootCert = nonEmpty(name, value, refuse);
        break;
      case 'sslcert':
        parsed.sslCert = nonEmpty(name, value, refuse);
        break;
      case 'sslkey':
        parsed.sslKey = nonEmpty(name, value, refuse);
        break;
      case 'sslpassword':
        parsed.sslPassword = value;
        break;
      case 'application_name':
        parsed.applicationName = value;
        break;
      case 'options':
        parsed.options = value;
        break;
      case 'connect_timeout': {
        if (!/^\s*-?\d+\s*$/.test(value)) refuse('the parameter "connect_timeout" must be a whole number of seconds');
        const seconds = Number(value);
        // libpq: zero or negative waits forever, and the shortest timeout is 2 seconds.
        parsed.connectTimeoutSeconds = seconds <= 0 ? 0 : Math.max(seconds, 2);
        break;
      }
    }
  }

  if (parsed.host.includes(',') || port.includes(',')) {
    refuse('the parameter "host" names several hosts, which the library does not try in turn');
  }
  if (!parsed.host) refuse('no host (give one, or a socket directory as ?host=/path)');
  if (!/^\d{1,5}$/.test(port || '5432') || Number(port || 5432) < 1 || Number(port || 5432) > 65535) {
    refuse('the parameter "port" must be a port number');
  }
  parsed.port = Number(port || 5432);
  if (!parsed.database) refuse('no database name after the host');
  parsed.sslMode = sslModeOf(sslMode, parsed, refuse);
  return parsed;
}

function sslModeOf(given: string | undefined, parsed: PostgresqlUrl, refuse: (reason: string) => never): SslMode {
  const system = parsed.sslRootCert === 'system';
  if (given === undefined) {
    // libpq 16: sslrootcert=system makes verify-full the default.
    if (system) return 'verify-full';
    // libpq's default is prefer; this library's is plain text, so certificate parameters without
    // an sslmode would be dropped in silence: they are refused instead.
    for (const [name, value] of [
      ['sslrootcert', parsed.sslRootCert],
      ['sslcert', parsed.sslCert],
      ['sslkey', parsed.sslKey],
    ] as const) {
      if (value !== undefined) refuse(`the parameter "${name}" needs an sslmode (the default here is disable)`);
    }
    return 'disable';
  }
  if (given === 'allow') {
    refuse(
      'the parameter "sslmode" value "allow" is not supported (plain text first, TLS only if refused): use prefer',
    );
  }
  if (!SSL_MODES.includes(given as SslMode)) {
    refuse(`the parameter "sslmode" must be one of ${SSL_MODES.join(', ')}`);
  }
  const mode = given as SslMode;
  if (mode === 'verify-ca' && parsed.sslRootCert === undefined) {
    // Node.js would check against the public CAs, which sign servers of anyone: a CA check means
    // nothing without the CA that signed this server.
    refuse('the parameter "sslmode" verify-ca needs sslrootcert (the CA that signed the server)');
  }
  if (system && mode !== 'verify-full' && mode !== 'disable') {
    refuse(`the parameter "sslrootcert" system needs sslmode=verify-full (as libpq), not ${mode}`);
  }
  return mode;
}

function nonEmpty(name: string, value: string, refuse: (reason: string) => never): string {
  if (value === '') refuse(`the parameter "${name}" is empty`);
  return value;
}

function decode(part: string, refuse: (reason: string) => never): string {
  try {
    return decodeURIComponent(part);
  } catch {
    return refuse('it has a malformed %-escape');
  }
}
