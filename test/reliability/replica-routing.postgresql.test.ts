import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCompany, type Database, openDatabase, Workflow } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';
import {
  callsOn,
  createReplicatedDatabase,
  on,
  type ReplicaComponent,
  type ReplicatedDatabase,
  replicaComponent,
  takeTurn,
  waitUntil,
} from './replica-support.js';

// PostgreSQL-only: a real hot standby (scripts/components/replica.sh) streaming from its primary.
// Where a statement ran is read from pg_stat_statements on each server.
const env: ReplicaComponent | undefined =
  requestedDialects().includes('postgresql') && inject('postgresAvailable') ? await replicaComponent() : undefined;

// The workflow list's statement (its text starts with the select list, then this).
const LIST = '%from "workflows" as "w"%';
const GET = 'select%from "workflows" where "id" = $1 and "company_id" = $2';

describe.skipIf(!env)('reads routed to a streaming replica [postgresql]', () => {
  const c = env as ReplicaComponent;
  let turn: { release(): Promise<void> };
  let target: ReplicatedDatabase;
  let db: Database;

  beforeAll(async () => {
    turn = await takeTurn(c);
    target = await createReplicatedDatabase(c);
    db = await openDatabase({ url: target.primaryUrl, migrate: true, replicas: [target.standbyUrl] });
  }, 300_000);
  afterAll(async () => {
    await on(c.OVERLAY_TEST_REPLICA_STANDBY_URL, 'select pg_wal_replay_resume()').catch(() => undefined);
    await db?.close();
    await target?.drop();
    await turn?.release();
  });

  /** Pauses the standby's replay: it lags from now on until resumed. */
  async function pause(): Promise<void> {
    await on(target.standbyUrl, 'select pg_wal_replay_pause()');
    await waitUntil(
      'replay is paused',
      async () => (await on(target.standbyUrl, 'select pg_get_wal_replay_pause_state() as s'))[0].s === 'paused',
    );
  }

  /** Runs `read` until one run lands on the standby (the replica caught up with this Database's writes). */
  async function untilOnStandby(like: string, read: () => Promise<unknown>): Promise<void> {
    await waitUntil('a read runs on the standby', async () => {
      const before = await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, like);
      await read();
      return (await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, like)) > before;
    });
  }

  it('tenant reads outside a transaction run on the standby; the same reads in a transaction run on the primary', async () => {
    const company = await createCompany(db, { name: 'Routed' });
    const t = db.forCompany(company.id);
    const workflow = await t.workflows.create({ name: 'W', startingUrl: 'https://w.test' });
    await untilOnStandby(LIST, () => t.workflows.list());

    const count = async (like: string) => [
      await callsOn(c.OVERLAY_TEST_REPLICA_PRIMARY_URL, target.name, like),
      await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, like),
    ];
    const [listPrimary, listStandby] = await count(LIST);
    const [getPrimary, getStandby] = await count(GET);
    for (let i = 0; i < 5; i++) {
      expect((await t.workflows.list()).items.map((w) => w.id)).toEqual([workflow.id]);
      expect((await t.workflows.get(workflow.id))?.name).toBe('W');
    }
    expect(await count(LIST)).toEqual([listPrimary, listStandby + 5]);
    expect(await count(GET)).toEqual([getPrimary, getStandby + 5]);

    // Inside db.transaction every read decides what the transaction writes: the primary.
    await db.transaction(async (tx) => {
      expect((await tx.forCompany(company.id).workflows.list()).items).toHaveLength(1);
    });
    expect(await count(LIST)).toEqual([listPrimary + 1, listStandby + 5]);
  }, 180_000);

  it('a company created a moment ago is found while the standby lags (replay paused), and reads return to the standby once it has caught up', async () => {
    await pause();
    const standbyBefore = await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, LIST);

    const company = await createCompany(db, { name: 'Fresh' });
    const t = db.forCompany(company.id);
    const made = await t.workflows.create({ name: 'Fresh workflow', startingUrl: 'https://f.test' });
    expect((await t.workflows.list()).items.map((w) => w.id)).toEqual([made.id]);
    expect((await t.workflows.get(made.id))?.name).toBe('Fresh workflow');
    // The standby has neither row: the reads above can only have been served by the primary.
    expect(await on(target.standbyUrl, 'select id from workflows where id = $1', [made.id])).toEqual([]);

    expect(await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, LIST)).toBe(standbyBefore);

    await on(target.standbyUrl, 'select pg_wal_replay_resume()');
    await untilOnStandby(LIST, () => t.workflows.list());
    expect((await t.workflows.list()).items.map((w) => w.name)).toEqual(['Fresh workflow']);

    // A write through MikroORM's own entity API (em.flush) is this Database's write too.
    await pause();
    const em = db.fork();
    const viaOrm = em.create(Workflow, { company: company.id, name: 'Via ORM', startingUrl: 'https://o.test' });
    await em.flush();
    expect((await t.workflows.get(viaOrm.id))?.name).toBe('Via ORM');
    expect((await t.workflows.list()).items.map((w) => w.name).sort()).toEqual(['Fresh workflow', 'Via ORM']);
    await on(target.standbyUrl, 'select pg_wal_replay_resume()');
  }, 180_000);
});
