import type { SqlEntityManager } from '@mikro-orm/sql';
import pg from 'pg';
import { afterEach, beforeEach, describe, expect, inject, it } from 'vitest';
import { createTenantScope, type Database, dedupeScreenshot, OverlayDbError } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { seedCompany, stepInput } from '../tenant/fixtures.js';

// PostgreSQL-only: the hot statements are prepared under a name once per connection, and a
// prepared statement's result columns are fixed when it is prepared. Another process (a newer
// release's migration during a rolling deploy, a DBA) changing a table must not break the running
// instance: every call keeps working, with the results it gave before. SQLite recompiles its
// statements by itself.

type Scope = ReturnType<Database['forCompany']>;

const SHARED_HASH = `sha256:${'ab'.repeat(32)}`;

interface World {
  t: Scope;
  companyId: number;
  adminId: number;
  userId: number;
  workflowId: number;
  stepIds: number[];
  notificationId: number;
}

async function seed(db: Database): Promise<World> {
  const acme = await seedCompany(db, 'Acme');
  const t = db.forCompany(acme.companyId);
  const wf = await t.workflows.create({
    name: 'Checkout',
    description: 'Pays',
    startingUrl: 'https://app.example',
    steps: [stepInput(), stepInput()],
  });
  const withSteps = await t.workflows.getWithSteps(wf.id);
  const stepIds = withSteps!.steps.map((s) => s.id);
  await t.steps.applyLabels(
    wf.id,
    stepIds.map((stepId) => ({ stepId, fieldLabel: 'Field', instruction: 'Do it', aiConfidence: 0.9, aiModel: 'm' })),
  );
  await t.workflows.update(wf.id, { status: 'active' });
  const note = await t.notifications.create({ workflowId: wf.id, type: 'high_failure_rate', title: 'Often fails' });
  // Stored once here, so that the same call in `reads` is a read (deduplicated).
  await dedupeScreenshot(db, { companyId: acme.companyId, workflowId: wf.id, hash: SHARED_HASH, format: 'png' });
  return { t, ...acme, workflowId: wf.id, stepIds, notificationId: note.id };
}

/** Runs `sql` on a connection of its own, as another process would. */
async function runSql(url: string, sql: string): Promise<void> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

/** The reads of the hot paths, as JSON (what a caller sees). */
async function reads(db: Database, w: World): Promise<Record<string, unknown>> {
  const { t } = w;
  const json = (value: unknown) => JSON.parse(JSON.stringify(value));
  return json({
    get: await t.workflows.get(w.workflowId),
    getWithSteps: await t.workflows.getWithSteps(w.workflowId),
    list: await t.workflows.list(),
    listByStatus: await t.workflows.list({ status: 'active' }),
    steps: await t.steps.listByWorkflow(w.workflowId),
    step: await t.steps.get(w.stepIds[0]),
    logs: await t.healthLogs.listByWorkflow(w.workflowId),
    summary: await t.healthLogs.summary(w.workflowId),
    notifications: await t.notifications.list(),
    unread: await t.notifications.list({ unreadOnly: true }),
    screenshots: await t.screenshots.listByWorkflow(w.workflowId),
    dedupe: await dedupeScreenshot(db, {
      companyId: w.companyId,
      workflowId: w.workflowId,
      hash: SHARED_HASH,
      format: 'png',
    }),
  });
}

/** Every write of the hot paths once; returns the keys of what each returned. */
async function writes(db: Database, w: World, round: number): Promise<Record<string, string[]>> {
  const { t } = w;
  const keys = (value: object | null) => Object.keys(JSON.parse(JSON.stringify(value))).sort();
  const created = await t.workflows.create({
    name: `New ${round}`,
    startingUrl: 'https://app.example',
    steps: [stepInput()],
  });
  const updated = await t.workflows.update(w.workflowId, { description: `Round ${round}` });
  const failed = await t.healthLogs.record({
    workflowId: w.workflowId,
    userId: w.userId,
    status: 'failed',
    stepId: w.stepIds[0],
    errorType: 'timeout',
  });
  const healed = await t.healthLogs.record({
    workflowId: w.workflowId,
    userId: w.userId,
    status: 'healed_ai',
    stepId: w.stepIds[1],
    healingConfidence: 0.95,
    healedSelectors: { previous_primary: '#a', healed_primary: '#b' },
  });
  const ok = await t.healthLogs.record({ workflowId: w.workflowId, userId: w.userId, status: 'success' });
  const note = await t.notifications.create({ workflowId: w.workflowId, type: 'low_confidence', title: `N${round}` });
  const read = await t.notifications.markRead(note.id, w.adminId);
  const labels = await t.steps.applyLabels(created.id, [
    { stepId: (await t.workflows.getWithSteps(created.id))!.steps[0].id, fieldLabel: 'F', instruction: 'I' },
  ]);
  const stepUpdate = await t.steps.update(w.stepIds[0], { fieldLabel: `Label ${round}` }, { editedBy: w.adminId });
  const shot = await dedupeScreenshot(db, {
    companyId: w.companyId,
    workflowId: w.workflowId,
    hash: `sha256:${round.toString(16).padStart(2, '0').repeat(32)}`,
    format: 'jpeg',
  });
  return {
    created: keys(created),
    updated: keys(updated),
    failedLog: keys(failed.log),
    failedWorkflow: keys(failed.workflow),
    healedWorkflow: keys(healed.workflow),
    okWorkflow: keys(ok.workflow),
    note: keys(note),
    read: keys(read),
    labels: keys(labels),
    stepUpdate: keys(stepUpdate),
    shot: keys(shot.screenshot),
  };
}

describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable'))(
  'a schema change made by another process [postgresql]',
  () => {
    let db: Database;
    let dispose: () => Promise<void>;
    let ddl: (sql: string) => Promise<void>;
    beforeEach(async () => {
      // One connection: every statement of the warm-up is prepared on the connection the calls
      // after the change run on.
      const opened = await openTestDatabase('postgresql', { pool: { min: 1, max: 1 } });
      ({ db, dispose } = opened);
      ddl = (sql) => runSql(opened.target.url, sql);
    });
    afterEach(async () => dispose());

    it('new columns on every table: every call keeps working, with unchanged results', async () => {
      const w = await seed(db);
      const keysBefore = await writes(db, w, 1);
      const before = await reads(db, w);

      await ddl(
        'alter table "workflows" add column "archived_reason" text; ' +
          'alter table "steps" add column "archived_reason" text; ' +
          'alter table "health_logs" add column "archived_reason" text; ' +
          'alter table "notifications" add column "archived_reason" text; ' +
          'alter table "screenshots" add column "archived_reason" text',
      );

      expect(await reads(db, w)).toEqual(before);
      expect(await writes(db, w, 2)).toEqual(keysBefore);
    });

    // text → varchar: the same strings, another result type, so even a statement that names its
    // columns is refused once ("cached plan must not change result type").
    const CHANGE_TYPES =
      'alter table "workflows" alter column "description" type varchar; ' +
      'alter table "steps" alter column "field_label" type varchar; ' +
      'alter table "health_logs" alter column "error_message" type varchar; ' +
      'alter table "notifications" alter column "title" type varchar; ' +
      'alter table "screenshots" alter column "storage_url" type varchar';

    async function namedStatements(): Promise<number> {
      const em = db.fork() as SqlEntityManager;
      const [{ n }] = await em.execute<{ n: string }[]>(
        "select count(*) as n from pg_prepared_statements where name like 'overlay\\_%'",
      );
      return Number(n);
    }

    it('a column the library reads changes type, first met by a read: prepared again, the same results', async () => {
      const w = await seed(db);
      await writes(db, w, 1);
      const before = await reads(db, w);
      const warm = await namedStatements();

      await ddl(CHANGE_TYPES);

      expect(await reads(db, w)).toEqual(before);
      // Prepared again under new names, the old ones deallocated: the connection does not keep both.
      const after = await namedStatements();
      expect(after).toBeGreaterThan(0);
      expect(after).toBeLessThanOrEqual(warm);
    });

    it('a column the library reads changes type, first met inside a transaction: it runs again, once', async () => {
      const w = await seed(db);
      const keysBefore = await writes(db, w, 1);
      await reads(db, w);

      await ddl(CHANGE_TYPES);

      // workflows.create's transaction meets the stale statement first (its insert returns the
      // description): the transaction is rolled back and run again, and the call succeeds.
      expect(await writes(db, w, 2)).toEqual(keysBefore);
      await reads(db, w);
      const names = await db.forCompany(w.companyId).workflows.list();
      expect(names.items.map((wf) => wf.name).sort()).toEqual(['Checkout', 'New 1', 'New 2']);
    });

    it('several connections, concurrent calls: every one succeeds after a type change', async () => {
      const opened = await openTestDatabase('postgresql', { pool: { min: 4, max: 4 } });
      try {
        const many = opened.db;
        const w = await seed(many);
        const burst = (round: number) =>
          Promise.all(
            Array.from({ length: 16 }, (_, i) => {
              const t = many.forCompany(w.companyId);
              switch (i % 4) {
                case 0:
                  return t.workflows.get(w.workflowId);
                case 1:
                  return t.workflows.list();
                case 2:
                  return t.healthLogs.record({ workflowId: w.workflowId, userId: w.userId, status: 'success' });
                default:
                  return t.workflows.create({ name: `C${round}-${i}`, startingUrl: 'u', steps: [stepInput()] });
              }
            }),
          );
        // Twice, so that the statements are prepared on every connection of the pool.
        await burst(1);
        await burst(2);
        await runSql(opened.target.url, CHANGE_TYPES);
        const results = await burst(3);
        expect(results.filter((r) => r === null)).toEqual([]);
        expect(Number((await many.forCompany(w.companyId).workflows.get(w.workflowId))?.totalUses)).toBe(12);
      } finally {
        await opened.dispose();
      }
    });

    it("inside the host's own transaction the call fails once, cleanly; the next transaction works", async () => {
      const w = await seed(db);
      const inHostTransaction = () =>
        db.orm.em.fork().transactional(async (em) => createTenantScope(em, w.companyId).workflows.get(w.workflowId));
      const before = JSON.parse(JSON.stringify(await inHostTransaction()));

      await ddl(CHANGE_TYPES);

      // The failed statement aborted the host's transaction, which holds the host's own earlier
      // statements too: only the host can run it again. The error is the library's, not pg's.
      const failure = await inHostTransaction().catch((error: unknown) => error);
      expect(failure).toBeInstanceOf(OverlayDbError);
      expect((failure as OverlayDbError).code).toBe('DATABASE_ERROR');
      expect(JSON.parse(JSON.stringify(await inHostTransaction()))).toEqual(before);
    });
  },
);
