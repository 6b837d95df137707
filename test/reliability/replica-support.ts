// The replica tests' access to the `replica` component (scripts/components/replica.sh): a primary on
// 5442 streaming to a hot standby on 5443. The test files share it, and some stop the standby or
// pause its replay, so each file holds one advisory lock on the primary for its whole run: the files
// take turns instead of seeing each other's stopped standby.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import pg from 'pg';
import { component } from '../support/components.js';

/** What the component printed. */
export type ReplicaComponent = Record<string, string>;

/** The component, or undefined (the caller skips) where it could not start outside CI. */
export function replicaComponent(): Promise<ReplicaComponent | undefined> {
  return component('replica');
}

const TURN_LOCK = 174_017_004;

async function connect(url: string): Promise<pg.Client> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  return client;
}

/** Runs one statement on `url` and returns its rows. */
export async function on<T = Record<string, unknown>>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = await connect(url);
  try {
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end();
  }
}

/** Waits until `check` resolves true, polling; fails after `timeoutMs` with `what`. */
export async function waitUntil(what: string, check: () => Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting until ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/** A database made on the primary, visible on the standby, and how to drop it. */
export interface ReplicatedDatabase {
  name: string;
  primaryUrl: string;
  standbyUrl: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/**
 * This file's turn on the component (an advisory lock held until `release`), with
 * pg_stat_statements installed and the standby streaming.
 */
export async function takeTurn(env: ReplicaComponent): Promise<{ release(): Promise<void> }> {
  const client = await connect(env.OVERLAY_TEST_REPLICA_PRIMARY_URL);
  await client.query('select pg_advisory_lock($1)', [TURN_LOCK]);
  // A file before this one may have left the standby stopped or paused if it crashed.
  startStandby(env);
  await on(env.OVERLAY_TEST_REPLICA_STANDBY_URL, 'select pg_wal_replay_resume()');
  // Databases a crashed run left behind: no other file holds the turn, so none is in use.
  const stale = await client.query("select datname from pg_database where datname like 'overlay\\_replica\\_%'");
  for (const { datname } of stale.rows) await client.query(`drop database if exists ${datname} with (force)`);
  await client.query('create extension if not exists pg_stat_statements');
  await waitUntil('pg_stat_statements is on the standby', async () => {
    const rows = await on(
      env.OVERLAY_TEST_REPLICA_STANDBY_URL,
      "select 1 from pg_extension where extname = 'pg_stat_statements'",
    );
    return rows.length === 1;
  });
  return {
    release: async () => {
      await client.query('select pg_advisory_unlock($1)', [TURN_LOCK]).catch(() => undefined);
      await client.end();
    },
  };
}

/** A new database on the primary, waited for until the standby has it. */
export async function createReplicatedDatabase(env: ReplicaComponent): Promise<ReplicatedDatabase> {
  const name = `overlay_replica_${randomBytes(6).toString('hex')}`;
  await on(env.OVERLAY_TEST_REPLICA_PRIMARY_URL, `create database ${name}`);
  const standbyUrl = withDatabase(env.OVERLAY_TEST_REPLICA_STANDBY_URL, name);
  await waitUntil(`database ${name} is on the standby`, async () => (await on(standbyUrl, 'select 1')).length === 1);
  return {
    name,
    primaryUrl: withDatabase(env.OVERLAY_TEST_REPLICA_PRIMARY_URL, name),
    standbyUrl,
    drop: async () => {
      await on(env.OVERLAY_TEST_REPLICA_PRIMARY_URL, `drop database if exists ${name} with (force)`);
    },
  };
}

/**
 * How many times statements of database `name` whose text matches `like` ran on the server of
 * `serverUrl` (pg_stat_statements: counted when the statement ends, on the server that ran it).
 */
export async function callsOn(serverUrl: string, name: string, like: string): Promise<number> {
  const rows = await on<{ n: number }>(
    serverUrl,
    'select coalesce(sum(s.calls), 0)::int as n from pg_stat_statements s join pg_database d on d.oid = s.dbid ' +
      'where d.datname = $1 and s.query like $2',
    [name, like],
  );
  return rows[0].n;
}

/** Stops the standby (`fast` or `immediate`). */
export function stopStandby(env: ReplicaComponent, mode: 'fast' | 'immediate'): void {
  execFileSync(env.OVERLAY_TEST_REPLICA_SCRIPT, ['standby-stop', mode], { stdio: 'ignore', timeout: 180_000 });
}

/** Starts the standby (if stopped) and waits until it streams again. */
export function startStandby(env: ReplicaComponent): void {
  execFileSync(env.OVERLAY_TEST_REPLICA_SCRIPT, ['standby-start'], { stdio: 'ignore', timeout: 240_000 });
}

function standbyPostmaster(env: ReplicaComponent): number {
  const pidFile = `${env.OVERLAY_TEST_REPLICA_STANDBY_DATA}/postmaster.pid`;
  return Number(readFileSync(pidFile, 'utf8').split('\n')[0]);
}

/**
 * Stops the standby's postmaster with SIGSTOP: it accepts no new connection (the kernel still
 * completes the TCP handshake, so a client waits for an answer that never comes), while the
 * backends of connections already open keep answering. Undo with {@link thawStandby}.
 */
export function freezeStandby(env: ReplicaComponent): void {
  process.kill(standbyPostmaster(env), 'SIGSTOP');
}

/** Lets a frozen standby's postmaster run again (nothing to do when the standby is not running). */
export function thawStandby(env: ReplicaComponent): void {
  let pid: number;
  try {
    pid = standbyPostmaster(env);
  } catch {
    return; // no postmaster.pid: stopped
  }
  try {
    process.kill(pid, 'SIGCONT');
  } catch {
    // ESRCH: the pid file outlived its server
  }
}
