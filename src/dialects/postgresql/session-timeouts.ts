import type { OpenDatabaseOptions } from '../../database/options.js';

/**
 * How long a connect to PostgreSQL may take before it fails, unless the URL's `connect_timeout`
 * says otherwise: with the server down or unreachable, a call fails within this instead of waiting
 * on the socket. It bounds the connect only, not the wait for a free pooled connection.
 *
 * @example
 * const seconds = parsed.connectTimeoutSeconds ?? CONNECT_TIMEOUT_MS / 1000;
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * pg's connection settings for `statementTimeoutMs` and `lockTimeoutMs`: pg sends
 * `statement_timeout` and `lock_timeout` as startup parameters of every connection it opens (so
 * they cost no statement and hold on every pooled connection). A value of 0 is left out: the
 * server's own setting stays (0 there means no limit). A pooler that refuses unknown startup
 * parameters (PgBouncer without `ignore_startup_parameters`) refuses these.
 *
 * @example
 * await pgConnectionOptions(parsed, Client, sessionTimeouts({ statementTimeoutMs: 30_000 }));
 */
export function sessionTimeouts(options: OpenDatabaseOptions): Record<string, number> {
  return {
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}),
  };
}
