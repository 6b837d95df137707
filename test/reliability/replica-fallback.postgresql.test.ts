import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { DriverException, TableNotFoundException } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import { createAdmin, createCompany, type Database, openDatabase, replicaStatus, Workflow } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';
import {
  callsOn,
  createReplicatedDatabase,
  freezeStandby,
  type ReplicaComponent,
  type ReplicatedDatabase,
  replicaComponent,
  startStandby,
  takeTurn,
  thawStandby,
  waitUntil,
} from './replica-support.js';

// PostgreSQL-only: a real hot standby (scripts/components/replica.sh) that these tests stop, before
// the database opens and while 16 callers read, and start again.
const env: ReplicaComponent | undefined =
  requestedDialects().includes('postgresql') && inject('postgresAvailable') ? await replicaComponent() : undefined;

const LIST = '%from "workflows" as "w"%';
const CALLERS = 16;
const run = promisify(execFile);

describe.skipIf(!env)('reads fall back to the primary when the replica is down [postgresql]', () => {
  const c = env as ReplicaComponent;
  let turn: { release(): Promise<void> };
  let target: ReplicatedDatabase;
  let db: Database | undefined;

  beforeAll(async () => {
    turn = await takeTurn(c);
    target = await createReplicatedDatabase(c);
    // Migrated once here, so that every Database below opens without writing.
    await (await openDatabase({ url: target.primaryUrl, migrate: true })).close();
  }, 300_000);
  afterAll(async () => {
    thawStandby(c);
    await db?.close();
    // The other replica test files use the same standby: it streams again before this file lets go.
    startStandby(c);
    await target?.drop();
    await turn?.release();
  }, 300_000);

  async function stopStandby(mode: 'fast' | 'immediate'): Promise<void> {
    // Asynchronously: the readers keep running while pg_ctl waits for the standby to stop.
    await run(c.OVERLAY_TEST_REPLICA_SCRIPT, ['standby-stop', mode], { timeout: 180_000 });
  }

  async function open(): Promise<Database> {
    await db?.close();
    db = await openDatabase({ url: target.primaryUrl, replicas: [target.standbyUrl] });
    return db;
  }

  async function untilOnStandby(read: () => Promise<unknown>): Promise<void> {
    await waitUntil(
      'a read runs on the standby',
      async () => {
        const before = await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, LIST);
        await read();
        return (await callsOn(c.OVERLAY_TEST_REPLICA_STANDBY_URL, target.name, LIST)) > before;
      },
      90_000,
    );
  }

  it('replica down at open: the database opens, reads run on the primary without asking the replica each time, and go to it again once it is back', async () => {
    await stopStandby('fast');
    const database = await open();
    const company = await createCompany(database, { name: 'Down at open' });
    const t = database.forCompany(company.id);
    const made = await t.workflows.create({ name: 'W', startingUrl: 'https://w.test' });
    await waitUntil('the replica is marked down', async () => {
      expect((await t.workflows.list()).items.map((w) => w.id)).toEqual([made.id]);
      return replicaStatus(database).down === 1;
    });

    const before = replicaStatus(database);
    for (let i = 0; i < 50; i++) {
      expect((await t.workflows.get(made.id))?.name).toBe('W');
      expect((await t.workflows.getWithSteps(made.id))?.steps).toEqual([]);
    }
    const after = replicaStatus(database);
    expect(after.onPrimary - before.onPrimary).toBe(150);
    expect(after.onReplica).toBe(0);
    // Without back-off each of the 150 reads would have tried the replica; with it only the probes
    // do (1 s, 2 s, 4 s… apart: ten of them would take more than 17 minutes).
    expect(after.replicaFailures - before.replicaFailures).toBeLessThan(10);

    // MikroORM's own reads go to the replica MikroORM picks, without a fallback (docs/replicas.md).
    const orm = await database
      .fork()
      .count(Workflow, {})
      .catch((error: unknown) => error);
    expect(orm).toBeInstanceOf(DriverException);
    expect(orm).toMatchObject({ code: 'ECONNREFUSED' });

    startStandby(c);
    await untilOnStandby(() => t.workflows.list());
    expect(replicaStatus(database)).toMatchObject({ replicas: 1, down: 0 });
  }, 300_000);

  for (const mode of ['fast', 'immediate'] as const) {
    it(`standby stopped (${mode}) while ${CALLERS} callers read: every call succeeds, on the primary, and the replica is used again after it comes back`, async () => {
      startStandby(c);
      const database = await open();
      const company = await createCompany(database, { name: `Stopped ${mode}` });
      const t = database.forCompany(company.id);
      const made = await t.workflows.create({ name: 'W', startingUrl: 'https://w.test' });
      const admin = await createAdmin(database, {
        companyId: company.id,
        email: `admin-${mode}@replica.test`,
        password: 'replica pa55',
      });
      await t.healthLogs.record({ workflowId: made.id, userId: admin.id, status: 'success' });
      await untilOnStandby(() => t.workflows.list());

      let stopped = false;
      const errors: unknown[] = [];
      const caller = async (n: number) => {
        const scope = database.forCompany(company.id);
        // Until the standby has stopped, then ten calls more: at least those run with it down.
        for (let after = 0; after < 10; ) {
          try {
            const kind = n % 4;
            if (kind === 0) expect((await scope.workflows.list()).items).toHaveLength(1);
            if (kind === 1) expect((await scope.workflows.get(made.id))?.name).toBe('W');
            if (kind === 2) expect((await scope.workflows.getWithSteps(made.id))?.steps).toEqual([]);
            if (kind === 3) expect((await scope.healthLogs.summary(made.id))?.totalRuns).toBe(1);
          } catch (error) {
            errors.push(error);
            return;
          }
          if (stopped) after++;
        }
      };
      const callers = Array.from({ length: CALLERS }, (_, n) => caller(n));
      await stopStandby(mode);
      stopped = true;
      await Promise.all(callers);
      expect(errors).toEqual([]);
      const status = replicaStatus(database);
      // The first read after the stop found the replica up, failed on it and ran on the primary.
      expect(status.fellBack).toBeGreaterThanOrEqual(1);
      expect(status.down).toBe(1);

      startStandby(c);
      await untilOnStandby(() => t.workflows.list());
      expect(replicaStatus(database).down).toBe(0);
    }, 300_000);
  }

  it(`a replica that accepts no new connection (postmaster frozen with SIGSTOP): ${CALLERS} concurrent reads do not hang, they fall back once the replica pool's connect timeout passes`, async () => {
    startStandby(c);
    const database = await open();
    const company = await createCompany(database, { name: 'Frozen' });
    const t = database.forCompany(company.id);
    const made = await t.workflows.create({ name: 'W', startingUrl: 'https://w.test' });
    await untilOnStandby(() => t.workflows.list());

    freezeStandby(c);
    try {
      // The replica pool holds a connection or two from the reads above; the other calls need new
      // ones, which the frozen postmaster never answers.
      const reads = await Promise.all(Array.from({ length: CALLERS }, () => t.workflows.get(made.id)));
      expect(reads.map((w) => w?.name)).toEqual(Array(CALLERS).fill('W'));
      expect(replicaStatus(database)).toMatchObject({ down: 1 });
      expect(replicaStatus(database).fellBack).toBeGreaterThanOrEqual(1);
    } finally {
      thawStandby(c);
    }
    await untilOnStandby(() => t.workflows.list());
  }, 120_000);

  it('a read the replica refuses for its SQL is not run again on the primary', async () => {
    startStandby(c);
    const lines: string[] = [];
    await db?.close();
    db = await openDatabase({
      url: target.primaryUrl,
      replicas: [target.standbyUrl],
      debug: true,
      logger: (line) => lines.push(line),
    });
    const database = db;
    const company = await createCompany(database, { name: 'Bad SQL' });
    await untilOnStandby(() => database.forCompany(company.id).workflows.list());

    const em = database.fork();
    await expect(query(em, 'select * from "no_such_table"', [], { read: true })).rejects.toBeInstanceOf(
      TableNotFoundException,
    );
    // One run, on the replica: not a second one on the primary.
    expect(lines.filter((line) => line.includes('no_such_table'))).toHaveLength(1);
    expect(replicaStatus(database)).toMatchObject({ down: 0, fellBack: 0 });
  }, 300_000);
});
