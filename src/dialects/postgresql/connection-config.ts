import { readFile } from 'node:fs/promises';
import { isIP } from 'node:net';
import { checkServerIdentity, type PeerCertificate } from 'node:tls';
import type { PostgresqlUrl } from '../../database/parse-database-url.js';
import { redactDatabaseUrl } from '../../database/parse-database-url.js';
import { InvalidDatabaseUrlError } from '../../errors.js';
import type { PgClientClass } from './named-statements.js';

/**
 * The connection settings of one PostgreSQL URL (the primary or a replica) in the form MikroORM
 * takes them: its own `host` … `dbName`, and everything else pg's `Client` needs (TLS, application
 * name, startup options, connect timeout) carried by a `Client` subclass in `driverOptions`.
 *
 * @example
 * const settings: PgConnectionOptions = await pgConnectionOptions(parsed, pg.Client);
 */
export interface PgConnectionOptions {
  host: string;
  port: number;
  user: string;
  password: string;
  dbName: string;
  driverOptions: { Client: PgClientClass };
}

/**
 * The TLS settings pg's `Client` takes (`ssl`), or `false` for none.
 *
 * @example
 * const ssl: PgSsl = { ca, checkServerIdentity: () => undefined }; // verify-ca
 */
export type PgSsl =
  | false
  | {
      ca?: string;
      cert?: string;
      key?: string;
      passphrase?: string;
      rejectUnauthorized?: boolean;
      checkServerIdentity?: (servername: string, cert: PeerCertificate) => Error | undefined;
    };

// pg's message when the server answers an SSLRequest with 'N' (the server has ssl = off).
const NO_TLS_ON_SERVER = 'The server does not support SSL connections';

/**
 * Builds the settings of one URL (with `session`'s startup parameters for every connection): reads its certificate files, turns libpq's `sslmode` into pg's
 * `ssl` object, and, for `prefer`, asks the server once whether it speaks TLS. The settings pg's
 * `Client` takes but MikroORM has no option for go in through a subclass of `Client`, rather than
 * `driverOptions` (which pg-pool also reads): `connectionTimeoutMillis` there would also bound the
 * wait for a free pooled connection, and the private key would sit in MikroORM's printable config.
 *
 * @throws InvalidDatabaseUrlError when a certificate or key file cannot be read.
 *
 * @example
 * const primary = await pgConnectionOptions(parsed, namingClient(pg.Client));
 * const orm = new MikroORM({ driver: PostgreSqlDriver, ...primary });
 */
export async function pgConnectionOptions(
  parsed: PostgresqlUrl,
  Client: PgClientClass,
  session: Record<string, unknown> = {},
): Promise<PgConnectionOptions> {
  const target = {
    host: parsed.host,
    port: parsed.port,
    user: parsed.user,
    password: parsed.password,
    database: parsed.database,
  };
  // The session's own settings (statement_timeout, lock_timeout: startup parameters) come first, so the URL's win.
  const settings: Record<string, unknown> = { ...session };
  let ssl = await sslOf(parsed);
  if (parsed.connectTimeoutSeconds) settings.connectionTimeoutMillis = parsed.connectTimeoutSeconds * 1000;
  if (parsed.sslMode === 'prefer' && ssl !== false) ssl = await preferred(Client, { ...target, ...settings, ssl });
  settings.ssl = ssl;
  if (parsed.applicationName !== undefined) settings.application_name = parsed.applicationName;
  if (parsed.options !== undefined) settings.options = parsed.options;
  return {
    host: target.host,
    port: target.port,
    user: target.user,
    password: target.password,
    dbName: target.database,
    driverOptions: { Client: withSettings(Client, settings) },
  };
}

/**
 * libpq's `sslmode` as pg's `ssl`. disable: none. prefer and require: TLS without a certificate
 * check, unless `sslrootcert` is given, which makes them check the CA (as libpq does). verify-ca:
 * the CA, not the host name. verify-full: the CA and the host name of the URL. `sslrootcert=system`
 * (or none, with verify-full) checks against Node.js's bundled CAs. A Unix-domain socket never
 * uses TLS (libpq's rule: the server offers none there).
 *
 * @example
 * await sslOf(parseDatabaseUrl('postgresql://db/app?sslmode=require') as PostgresqlUrl); // { rejectUnauthorized: false }
 */
export async function sslOf(parsed: PostgresqlUrl): Promise<PgSsl> {
  if (parsed.sslMode === 'disable' || parsed.host.startsWith('/')) return false;
  const ssl: Exclude<PgSsl, false> = {};
  const rootCert = parsed.sslRootCert === 'system' ? undefined : parsed.sslRootCert;
  if (rootCert !== undefined) ssl.ca = await readNamed(parsed, 'sslrootcert', rootCert);
  if (parsed.sslCert !== undefined) ssl.cert = await readNamed(parsed, 'sslcert', parsed.sslCert);
  if (parsed.sslKey !== undefined) ssl.key = await readNamed(parsed, 'sslkey', parsed.sslKey);
  if (parsed.sslPassword) ssl.passphrase = parsed.sslPassword;
  const checksCa =
    parsed.sslMode === 'verify-ca' || parsed.sslMode === 'verify-full' || parsed.sslRootCert !== undefined;
  if (!checksCa) {
    ssl.rejectUnauthorized = false;
  } else if (parsed.sslMode === 'verify-full') {
    // The name to check is the URL's host, as libpq checks it; pg sends no SNI name for an IP
    // address, so Node.js would otherwise check whatever name the socket reports.
    const host = parsed.host;
    ssl.checkServerIdentity = (_servername, cert) => checkServerIdentity(isIP(host) ? host : host.toLowerCase(), cert);
  } else {
    ssl.checkServerIdentity = () => undefined;
  }
  return ssl;
}

async function readNamed(parsed: PostgresqlUrl, name: string, path: string): Promise<string> {
  try {
    return await readFile(path, 'utf8');
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    throw new InvalidDatabaseUrlError(
      redactDatabaseUrl(parsed.url),
      `the file of the parameter "${name}" cannot be read (${typeof code === 'string' ? code : 'error'})`,
    );
  }
}

/**
 * sslmode=prefer: libpq tries TLS and falls back to plain text on every connection; pg has no
 * fallback, so the library asks the server once, when the database is opened: a server that
 * answers the TLS request with "no" (ssl = off) gets plain-text connections from then on, any
 * other gets TLS. Any other failure of the probe leaves TLS chosen: the first real connection
 * reports it.
 */
async function preferred(Client: PgClientClass, config: Record<string, unknown>): Promise<PgSsl> {
  const probe = new Client(config) as unknown as {
    connect(): Promise<void>;
    end(): Promise<void>;
    on(event: 'error', listener: (error: Error) => void): void;
  };
  probe.on('error', () => undefined);
  try {
    await probe.connect();
    return config.ssl as PgSsl;
  } catch (error) {
    return error instanceof Error && error.message === NO_TLS_ON_SERVER ? false : (config.ssl as PgSsl);
  } finally {
    await probe.end().catch(() => undefined);
  }
}

/** A `Client` whose every instance is made with `settings` on top of the pool's config. */
function withSettings(Client: PgClientClass, settings: Record<string, unknown>): PgClientClass {
  return class ConfiguredClient extends Client {
    constructor(...args: any[]) {
      super({ ...(args[0] ?? {}), ...settings }, ...args.slice(1));
    }
  };
}
