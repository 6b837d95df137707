import type { OpenDatabaseOptions } from '../../database/options.js';

/**
 * How long a connect to PostgreSQL may take before it fails (pg's `connectionTimeoutMillis`): with
 * the server down or unreachable, a call fails within this instead of waiting on the socket.
 */
export const CONNECT_TIMEOUT_MS = 10_000;

/**
 * pg's connection settings for `statementTimeoutMs` and `lockTimeoutMs`: pg sends
 * `statement_timeout` and `lock_timeout` as startup parameters of every connection it opens (so
 * they cost no statement and hold on every pooled connection), plus the connect timeout. A value
 * of 0 is left out: the server's own setting stays (0 there means no limit). A pooler that refuses
 * unknown startup parameters (PgBouncer without `ignore_startup_parameters`) refuses these.
 *
 * @example
 * new Pool({ ...connection, ...sessionTimeouts({ statementTimeoutMs: 30_000 }) });
 */
export function sessionTimeouts(options: OpenDatabaseOptions): Record<string, number> {
  return {
    connectionTimeoutMillis: CONNECT_TIMEOUT_MS,
    ...(options.statementTimeoutMs ? { statement_timeout: options.statementTimeoutMs } : {}),
    ...(options.lockTimeoutMs ? { lock_timeout: options.lockTimeoutMs } : {}),
  };
}
