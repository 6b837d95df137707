import { afterEach, describe, expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION } from '../../migrations/index.js';
import { createMigrationRunner, type Database, openDatabase } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from '../support/dialects.js';
import { requestedDialects } from '../support/env.js';
import { failsHalfway, withExtra } from '../support/test-migrations.js';
import { seedCompany, sql, stepInput } from '../tenant/fixtures.js';

// SQLite-only: its migrations switch `foreign_keys` off, a setting of the one pooled connection
// that every other call of the same Database runs on. PostgreSQL has no such switch.
describe.runIf(requestedDialects().includes('sqlite'))(
  'SQLite: a migrator call never changes how other calls run',
  () => {
    const WORKFLOWS = 120;
    // Deleters that each issue their next delete as soon as the last one ends: whenever the
    // migrator gets the connection, several deletes already wait behind it in the pool's queue.
    const DELETERS = 8;

    let db: Database | undefined;
    let target: TestDatabase | undefined;
    afterEach(async () => {
      await db?.close();
      await target?.drop();
      db = undefined;
      target = undefined;
    });

    async function seedWorkflows(
      database: Database,
    ): Promise<{ ids: number[]; deleteOne: (id: number) => Promise<void> }> {
      const company = await seedCompany(database);
      const t = database.forCompany(company.companyId);
      const ids: number[] = [];
      for (let i = 0; i < WORKFLOWS; i++) {
        const wf = await t.workflows.create({
          name: `flow ${i}`,
          startingUrl: 'https://app.example.com',
          createdBy: company.adminId,
          steps: [stepInput(), stepInput()],
        });
        const [step] = await t.steps.listByWorkflow(wf.id);
        await t.healthLogs.record({ workflowId: wf.id, userId: company.userId, status: 'success', stepId: step.id });
        ids.push(wf.id);
      }
      return { ids, deleteOne: (id) => t.workflows.delete(id) };
    }

    /**
     * Runs the migrator calls one after another (by default up(), down() of the last migration,
     * up() and adopt()) while deletes of the same Database run the whole time; returns what each
     * call gave, and how many workflows were deleted meanwhile and were left when the calls ended.
     */
    async function migrateWhileDeleting(
      database: Database,
      calls: [string, () => Promise<unknown>][] = [
        ['up', () => database.migrator.up()],
        ['down', () => database.migrator.down()],
        ['up again', () => database.migrator.up()],
        ['adopt', () => database.migrator.adopt()],
      ],
    ) {
      const { ids, deleteOne } = await seedWorkflows(database);
      const queue = [...ids];
      let migratorDone = false;
      let deleted = 0;
      const deleteErrors: unknown[] = [];
      const deleters = Array.from({ length: DELETERS }, async () => {
        while (!migratorDone && queue.length > 0) {
          const id = queue.shift() as number;
          try {
            await deleteOne(id);
            deleted++;
          } catch (error) {
            deleteErrors.push(error);
          }
        }
      });
      const outcomes: Record<string, unknown> = {};
      const settle = async (name: string, call: () => Promise<unknown>) => {
        try {
          outcomes[name] = await call();
        } catch (error) {
          outcomes[name] = { failed: (error as { code?: string }).code ?? String(error) };
        }
      };
      try {
        for (const [name, call] of calls) await settle(name, call);
      } finally {
        migratorDone = true;
      }
      const leftWhenMigratorDone = queue.length;
      await Promise.all(deleters);
      return { outcomes, deleted, leftWhenMigratorDone, deleteErrors };
    }

    async function expectIntegrity(database: Database): Promise<void> {
      expect(await sql(database, 'pragma foreign_key_check')).toEqual([]);
      const [orphans] = await sql<{ steps: number; logs: number }>(
        database,
        'select (select count(*) from "steps" where "workflow_id" not in (select "id" from "workflows")) as steps, ' +
          '(select count(*) from "health_logs" where "workflow_id" not in (select "id" from "workflows")) as logs',
      );
      expect(orphans).toEqual({ steps: 0, logs: 0 });
      const [{ foreign_keys }] = await sql<{ foreign_keys: number }>(database, 'pragma foreign_keys');
      expect(foreign_keys).toBe(1);
    }

    const EXPECTED_OUTCOMES = {
      up: [],
      down: [FAILED_RUNS_INDEX_MIGRATION],
      'up again': [FAILED_RUNS_INDEX_MIGRATION],
      adopt: { adopted: false, fromRevision: null },
    };

    it('file database: up/down/adopt during deletes all succeed, deletes cascade, and the app starts again', async () => {
      target = await createTestDatabase('sqlite');
      db = await openDatabase({ url: target.url, migrate: true });
      const run = await migrateWhileDeleting(db);

      expect(run.outcomes).toEqual(EXPECTED_OUTCOMES);
      expect(run.deleteErrors).toEqual([]);
      // The deletes ran for the whole of the migrator's calls: the interleaving really happened.
      expect(run.deleted).toBeGreaterThan(0);
      expect(run.leftWhenMigratorDone).toBeGreaterThan(0);
      await expectIntegrity(db);
      const [{ n }] = await sql<{ n: number }>(db, 'select count(*) as n from "steps"');
      expect(Number(n)).toBe(2 * (WORKFLOWS - run.deleted));

      expect(await db.migrator.up()).toEqual([]);
      await db.close();
      db = await openDatabase({ url: target.url, migrate: true });
      expect(await db.migrator.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
      await expectIntegrity(db);
    });

    it('in-memory database: the same, on its one connection', async () => {
      db = await openDatabase({ url: 'sqlite:///:memory:', migrate: true });
      const run = await migrateWhileDeleting(db);

      expect(run.outcomes).toEqual(EXPECTED_OUTCOMES);
      expect(run.deleteErrors).toEqual([]);
      expect(run.deleted).toBeGreaterThan(0);
      expect(run.leftWhenMigratorDone).toBeGreaterThan(0);
      await expectIntegrity(db);
      // Still the same database: the migrator did not swap the connection for a new, empty one.
      const [{ n }] = await sql<{ n: number }>(db, 'select count(*) as n from "workflows"');
      expect(Number(n)).toBe(WORKFLOWS - run.deleted);
      expect(await db.migrator.up()).toEqual([]);
      await expectIntegrity(db);
    });

    it('a migrator call that fails and rolls back also leaves foreign keys on for the others', async () => {
      target = await createTestDatabase('sqlite');
      const database = await openDatabase({ url: target.url, migrate: true });
      db = database;
      const failing = createMigrationRunner(database.orm, { migrations: withExtra('sqlite', failsHalfway) });
      const run = await migrateWhileDeleting(database, [
        ['failing up', () => failing.up()],
        ['up', () => database.migrator.up()],
        ['failing up again', () => failing.up()],
      ]);

      expect(run.outcomes).toEqual({
        'failing up': { failed: 'MIGRATION_FAILED' },
        up: [],
        'failing up again': { failed: 'MIGRATION_FAILED' },
      });
      expect(run.deleteErrors).toEqual([]);
      expect(run.deleted).toBeGreaterThan(0);
      expect(run.leftWhenMigratorDone).toBeGreaterThan(0);
      await expectIntegrity(database);
      expect(await sql(database, "select name from sqlite_master where name = 'half_done'")).toEqual([]);
      expect(await database.migrator.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
    });
  },
);
