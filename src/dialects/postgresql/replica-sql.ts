import type { ReplicaSql } from '../dialect.js';
import { isPostgresqlConnectionLost } from './connection-lost.js';

/**
 * How long a read replica's pool waits for a new connection before the read falls back to the
 * primary (pg's `connectionTimeoutMillis`; the primary's pool keeps pg's default, no limit).
 *
 * @example
 * openDatabase({ url, replicas: [replicaUrl] }); // a replica that does not answer costs at most this per attempt
 */
export const REPLICA_CONNECT_TIMEOUT_MS = 5000;

/**
 * Whether `error` says the replica could not be reached or dropped the connection, rather than
 * refusing the statement: the same test as for a lost connection to the primary.
 *
 * @example
 * isConnectionFailure(Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5443'), { code: 'ECONNREFUSED' })); // true
 */
export const isConnectionFailure = isPostgresqlConnectionLost;

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
