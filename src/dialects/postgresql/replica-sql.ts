import type { ReplicaSql } from '../dialect.js';

/**
 * How long a read replica's pool waits for a new connection before the read falls back to the
 * primary (pg's `connectionTimeoutMillis`; the primary's pool keeps pg's default, no limit).
 *
 * @example
 * openDatabase({ url, replicas: [replicaUrl] }); // a replica that does not answer costs at most this per attempt
 */
export const REPLICA_CONNECT_TIMEOUT_MS = 5000;

// SQLSTATEs that mean "this server cannot serve you now", not "this statement is wrong": class 08
// (connection exception), and the server shutting down, crashed or still starting.
const UNAVAILABLE_STATES = new Set(['57P01', '57P02', '57P03']);
// Node's socket errors when the server is gone, refuses or cannot be reached.
const SOCKET_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'EPIPE',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
]);
// pg's own errors for a connection that died or never came up carry no code, only these texts.
const PG_CONNECTION_TEXTS = [
  'Connection terminated',
  'timeout exceeded when trying to connect',
  'Client has encountered a connection error',
  'Client was closed and is not queryable',
];

/**
 * Whether `error`, thrown by pg (or MikroORM's conversion of it, which keeps it as `cause`), says
 * the server could not be reached or dropped the connection, rather than refusing the statement.
 *
 * @example
 * isConnectionFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5443'), { code: 'ECONNREFUSED' })); // true
 */
export function isConnectionFailure(error: unknown): boolean {
  for (let e: unknown = error, depth = 0; e instanceof Error && depth < 4; e = e.cause, depth++) {
    const code = (e as { code?: unknown }).code;
    if (typeof code === 'string' && (code.startsWith('08') || UNAVAILABLE_STATES.has(code) || SOCKET_CODES.has(code))) {
      return true;
    }
    if (
      typeof code !== 'string' &&
      PG_CONNECTION_TEXTS.some((text) => e instanceof Error && e.message.includes(text))
    ) {
      return true;
    }
  }
  return false;
}

/** PostgreSQL's statements and error test for read replicas (see {@link ReplicaSql}). */
export const postgresqlReplicaSql: ReplicaSql = Object.freeze({
  // After the write it follows: the WAL position that holds it.
  primaryPosition: 'select pg_current_wal_lsn()::text as "position"',
  // A server that is not in recovery is no standby (a promoted one, or the primary itself): it has
  // every write it will ever have, so reads may go to it.
  caughtUp:
    'select case when pg_is_in_recovery() then coalesce(pg_last_wal_replay_lsn() >= ?::pg_lsn, false) else true end as "caught_up"',
  isConnectionFailure,
});
