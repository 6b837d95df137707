import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Kysely } from 'kysely';
import type { ReplicaSql } from '../dialects/dialect.js';
import { requireDialect } from '../dialects/dialect-of.js';

// Where a read marked replica-eligible runs (see `query(em, sql, params, { read: true })`): on a
// read replica of `em`'s ORM (MikroORM's `em.getConnection('read')`) when that replica is up and
// has replayed every write made through this ORM, else on the primary.
//
// Read-your-writes without timing: every write through the ORM (a statement of the executor that is
// not a read, a transaction of the executor, a commit of MikroORM's own) counts one. A replica
// serves reads only once a probe has shown it caught up: the probe reads the primary's WAL position
// after those writes, then asks the replica whether it has replayed up to it. Until then reads go
// to the primary, so a company created a moment ago is found however far the replica lags.
//
// Fallback: a read that fails on the replica because the replica cannot be reached or dropped the
// connection runs again on the primary, and the replica is marked down; while down, reads go to the
// primary without touching it, and after a back-off (1 s, doubling up to 10 s) one background probe
// asks it again. Any other error (bad SQL, a constraint) is the caller's, as it would be on the primary.

type AnyKysely = Kysely<any>;

/** Runs one statement on `pool` through the executor (every statement goes through executor.ts). */
export type RunOn = (
  em: SqlEntityManager,
  pool: AnyKysely,
  sql: string,
  params: readonly unknown[],
) => Promise<Record<string, unknown>[]>;

const FIRST_BACKOFF_MS = 1000;
const MAX_BACKOFF_MS = 10_000;
// While a replica lags, how often a read may start a probe; only the primary's load depends on it.
const LAG_RECHECK_MS = 100;

interface ReplicaHealth {
  down: boolean;
  /** When a probe may run next (after a failure, or while lagging). */
  probeAfter: number;
  backoffMs: number;
  /** The write count up to which the replica is known to have replayed (-1: not yet probed). */
  caughtUpTo: number;
  probing: boolean;
}

interface Routing {
  readonly sql: ReplicaSql;
  /** Writes made through this ORM so far. */
  writes: number;
  readonly replicas: Map<AnyKysely, ReplicaHealth>;
  readonly counts: { onReplica: number; onPrimary: number; fellBack: number; replicaFailures: number; probes: number };
}

// Per ORM (its Configuration, shared by every fork): the state lives as long as the ORM does.
const routings = new WeakMap<object, Routing>();

function routingOf(em: SqlEntityManager): Routing | undefined {
  let routing = routings.get(em.config);
  if (routing === undefined) {
    const sql = requireDialect(em.getPlatform(), 'em').replica;
    if (sql === undefined) return undefined;
    routing = {
      sql,
      writes: 0,
      replicas: new Map(),
      counts: { onReplica: 0, onPrimary: 0, fellBack: 0, replicaFailures: 0, probes: 0 },
    };
    routings.set(em.config, routing);
    const counted = routing;
    // MikroORM's own commits (em.flush, em.transactional, a host's transaction the library's
    // statements joined) are writes of this ORM too; its public subscriber API tells of them.
    em.getEventManager().registerSubscriber({
      afterTransactionCommit: async () => {
        counted.writes++;
      },
    });
  }
  return routing;
}

/**
 * Counts one write made through `em`'s ORM, after it committed: reads go to the primary until a
 * replica is shown to have it. Costs one map lookup where no read was ever routed.
 *
 * @example
 * await statement(); noteWrite(em);
 */
export function noteWrite(em: SqlEntityManager): void {
  const routing = routings.get(em.config);
  if (routing !== undefined) routing.writes++;
}

/**
 * The replica pool a replica-eligible read of `em` runs on now, or undefined for the primary (no
 * replica configured, the replica is down, or it has not been shown to have this ORM's writes; a
 * probe then starts in the background, one at a time).
 *
 * @example
 * const replica = replicaFor(em, runOn); const rows = await run(replica ?? primary);
 */
export function replicaFor(em: SqlEntityManager, runOn: RunOn): AnyKysely | undefined {
  const write = em.getConnection('write');
  const read = em.getConnection('read');
  if (read === write) return undefined;
  const routing = routingOf(em);
  if (routing === undefined) return undefined;
  const pool = read.getClient<any>();
  let health = routing.replicas.get(pool);
  if (health === undefined) {
    health = { down: false, probeAfter: 0, backoffMs: FIRST_BACKOFF_MS, caughtUpTo: -1, probing: false };
    routing.replicas.set(pool, health);
  }
  if (!health.down && health.caughtUpTo >= routing.writes) {
    routing.counts.onReplica++;
    return pool;
  }
  routing.counts.onPrimary++;
  if (!health.probing && Date.now() >= health.probeAfter) void probe(em, routing, health, pool, runOn);
  return undefined;
}

/**
 * Called when a read failed on `replica`: true when the failure is the replica's connection (it is
 * marked down, and the caller runs the read on the primary), false for any other error.
 *
 * @example
 * catch (error) { if (replicaFailed(em, replica, error)) return run(primary); throw error; }
 */
export function replicaFailed(em: SqlEntityManager, replica: AnyKysely, error: unknown): boolean {
  const routing = routings.get(em.config);
  const health = routing?.replicas.get(replica);
  if (routing === undefined || health === undefined || !routing.sql.isConnectionFailure(error)) return false;
  markDown(routing, health);
  routing.counts.fellBack++;
  return true;
}

/**
 * A read saw the replica's connection fail: reads go to the primary, and a probe asks again after the
 * first back-off. Reads that were in flight on it fail too; they do not lengthen the back-off.
 */
function markDown(routing: Routing, health: ReplicaHealth): void {
  routing.counts.replicaFailures++;
  if (health.down) return;
  health.down = true;
  health.backoffMs = FIRST_BACKOFF_MS;
  health.probeAfter = Date.now() + health.backoffMs;
}

/** A probe of a replica marked down failed too: wait twice as long (at most MAX_BACKOFF_MS) before the next. */
function stillDown(routing: Routing, health: ReplicaHealth): void {
  routing.counts.replicaFailures++;
  health.backoffMs = health.down ? Math.min(health.backoffMs * 2, MAX_BACKOFF_MS) : FIRST_BACKOFF_MS;
  health.down = true;
  health.probeAfter = Date.now() + health.backoffMs;
}

async function probe(
  em: SqlEntityManager,
  routing: Routing,
  health: ReplicaHealth,
  replica: AnyKysely,
  runOn: RunOn,
): Promise<void> {
  health.probing = true;
  routing.counts.probes++;
  // The writes counted now committed before the primary's position is read below.
  const target = routing.writes;
  try {
    let position = '0/0';
    if (health.caughtUpTo < target) {
      const rows = await runOn(em, em.getConnection('write').getClient<any>(), routing.sql.primaryPosition, []);
      position = String(rows[0].position);
    }
    let rows: Record<string, unknown>[];
    try {
      rows = await runOn(em, replica, routing.sql.caughtUp, [position]);
    } catch (error) {
      if (routing.sql.isConnectionFailure(error)) stillDown(routing, health);
      else health.probeAfter = Date.now() + MAX_BACKOFF_MS;
      return;
    }
    health.down = false;
    health.backoffMs = FIRST_BACKOFF_MS;
    if (rows[0].caught_up === true) health.caughtUpTo = Math.max(health.caughtUpTo, target);
    else health.probeAfter = Date.now() + LAG_RECHECK_MS;
  } catch {
    // The primary's position could not be read (the database is closing, or the primary is down):
    // the replica stays unproven, and the next read probes again.
  } finally {
    health.probing = false;
  }
}

/**
 * Where the replica-eligible reads of a database went, for monitoring: counts since it opened.
 *
 * @example
 * const { replicas, down, onReplica, onPrimary, fellBack } = replicaStatus(db);
 */
export interface ReplicaStatus {
  /** Replicas that reads have been routed to so far. */
  replicas: number;
  /** Of those, how many are marked down now. */
  down: number;
  /** Of those, how many lag behind this database's writes now (reads go to the primary meanwhile). */
  behind: number;
  /** Reads served by a replica. */
  onReplica: number;
  /** Reads sent to the primary because the replica was down or behind. */
  onPrimary: number;
  /** Reads that failed on a replica's connection and ran again on the primary. */
  fellBack: number;
  /** Connection failures of replicas (reads and probes). */
  replicaFailures: number;
  /** Probes run (a replica's replay position, and the primary's). */
  probes: number;
}

/**
 * The read-routing status of a database (a `Database`, or an EntityManager of its ORM): all zero
 * when it has no replica or routed no read yet.
 *
 * @example
 * const status = replicaStatus(db);
 * if (status.down > 0) log('a read replica is down; reads run on the primary');
 */
export function replicaStatus(of: EntityManager | { readonly orm: { readonly em: EntityManager } }): ReplicaStatus {
  const em = ('orm' in of ? of.orm.em : of) as SqlEntityManager;
  const routing = routings.get(em.config);
  const healths = [...(routing?.replicas.values() ?? [])];
  return {
    replicas: healths.length,
    down: healths.filter((h) => h.down).length,
    behind: healths.filter((h) => !h.down && h.caughtUpTo < (routing?.writes ?? 0)).length,
    onReplica: routing?.counts.onReplica ?? 0,
    onPrimary: routing?.counts.onPrimary ?? 0,
    fellBack: routing?.counts.fellBack ?? 0,
    replicaFailures: routing?.counts.replicaFailures ?? 0,
    probes: routing?.counts.probes ?? 0,
  };
}
