import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import { type Database, dedupeScreenshot, OverlayDbError } from '../../src/index.js';
import { ScopeContext } from '../../src/tenant/scope-context.js';
import { pngHeader } from '../services/image-fixtures.js';
import { requestedDialects } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, sql, stepInput } from '../tenant/fixtures.js';

// PostgreSQL-only: this is about many connections writing at once, which SQLite does not have
// (one writer per file; its multi-process test is sqlite-processes.sqlite.test.ts).
const WORKERS = Number(process.env.OVERLAY_STRESS ? 40 : 16);
const OPS = Number(process.env.OVERLAY_STRESS ? 25 : 6);
const POOL = process.env.OVERLAY_STRESS ? 32 : 16;

describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable'))(
  `concurrent writers on ${POOL} connections [postgresql]`,
  () => {
    let db: Database;
    let dispose: () => Promise<void>;
    let company: SeededCompany;
    beforeAll(async () => {
      ({ db, dispose } = await openTestDatabase('postgresql', { pool: { min: 0, max: POOL } }));
      company = await seedCompany(db);
    });
    afterAll(async () => dispose?.());

    it(`${WORKERS} workers × ${OPS} rounds of create, record run and dedupe: no lost update, no duplicate, no error`, async () => {
      const t = db.forCompany(company.companyId);
      const shared = await Promise.all(
        [1, 2, 3].map((i) =>
          t.workflows.create({ name: `shared ${i}`, startingUrl: 'https://x.test', steps: [stepInput()] }),
        ),
      );
      const images = [pngHeader(10, 10), pngHeader(11, 10), pngHeader(12, 10)];
      const screenshotIds = new Map<number, Set<number>>();
      const errors: unknown[] = [];
      const worker = async (w: number) => {
        const scope = db.forCompany(company.companyId);
        for (let i = 0; i < OPS; i++) {
          try {
            await scope.workflows.create({
              name: `w${w}-${i}`,
              startingUrl: 'https://x.test',
              steps: [stepInput(), stepInput({ actionType: 'submit' })],
            });
            const target = shared[(w + i) % shared.length];
            await scope.healthLogs.record({
              workflowId: target.id,
              userId: company.userId,
              status: i % 3 === 0 ? 'failed' : 'success',
            });
            const image = (w + i) % images.length;
            const { screenshot } = await dedupeScreenshot(db, {
              companyId: company.companyId,
              workflowId: shared[0].id,
              content: images[image],
            });
            if (!screenshotIds.has(image)) screenshotIds.set(image, new Set());
            screenshotIds.get(image)?.add(screenshot.id);
          } catch (error) {
            errors.push(error);
          }
        }
      };
      await Promise.all(Array.from({ length: WORKERS }, (_, w) => worker(w)));
      expect(errors).toEqual([]);

      const [counts] = await sql<{ workflows: string; steps: string; logs: string; shots: string }>(
        db,
        `select (select count(*) from workflows) as workflows, (select count(*) from steps) as steps,
                (select count(*) from health_logs) as logs, (select count(*) from screenshots) as shots`,
      );
      expect(Number(counts.workflows)).toBe(3 + WORKERS * OPS);
      expect(Number(counts.steps)).toBe(3 + 2 * WORKERS * OPS);
      expect(Number(counts.logs)).toBe(WORKERS * OPS);
      // One row per distinct image, and every caller got that row's id.
      expect(Number(counts.shots)).toBe(images.length);
      for (const ids of screenshotIds.values()) expect(ids.size).toBe(1);
      // Counters: total_uses of each shared workflow equals the runs recorded against it.
      const rows = await sql<{ id: number; total_uses: number; runs: string }>(
        db,
        `select w.id, w.total_uses, (select count(*) from health_logs h where h.workflow_id = w.id) as runs
         from workflows w where w.id in (?, ?, ?)`,
        shared.map((s) => s.id),
      );
      for (const row of rows) expect(row.total_uses).toBe(Number(row.runs));
      expect(rows.reduce((n, r) => n + r.total_uses, 0)).toBe(WORKERS * OPS);
    }, 120_000);

    it('a deadlock between two scope transactions is retried: both finish, a victim ran again, each committed once', async () => {
      const t = db.forCompany(company.companyId);
      const [x, y] = await Promise.all([
        t.workflows.create({ name: 'x', startingUrl: 'https://x.test' }),
        t.workflows.create({ name: 'y', startingUrl: 'https://x.test' }),
      ]);
      let arrived = 0;
      let release: () => void = () => undefined;
      const bothLocked = new Promise<void>((resolve) => {
        release = resolve;
      });
      const attempts = { first: 0, second: 0 };
      const lockInOrder = (which: 'first' | 'second', a: number, b: number) =>
        new ScopeContext(db.orm.em, company.companyId).transaction(async (em) => {
          attempts[which]++;
          await query(em, 'update workflows set total_uses = total_uses + 1 where id = ?', [a]);
          // The first attempts of both meet here holding one lock each, then each asks for the other's.
          if (++arrived === 2) release();
          await bothLocked;
          await query(em, 'update workflows set total_uses = total_uses + 1 where id = ?', [b]);
        });
      await Promise.all([lockInOrder('first', x.id, y.id), lockInOrder('second', y.id, x.id)]);
      // A victim ran again; a busy machine may make the retry meet the survivor once more (seen at
      // load 10: four runs), so the guarantee asserted is a rerun and both committed whole, once each.
      expect(attempts.first + attempts.second).toBeGreaterThanOrEqual(3);
      expect(Math.max(attempts.first, attempts.second)).toBeLessThanOrEqual(3);
      const rows = await sql<{ total_uses: number }>(db, 'select total_uses from workflows where id in (?, ?)', [
        x.id,
        y.id,
      ]);
      expect(rows.map((r) => r.total_uses)).toEqual([2, 2]);
    }, 30_000);

    it('a transaction that keeps deadlocking gives up after three attempts with a DATABASE_ERROR', async () => {
      let runs = 0;
      const ctx = new ScopeContext(db.orm.em, company.companyId);
      const error = await ctx
        .transaction(async (em) => {
          runs++;
          // A serialization failure raised by the database itself (SQLSTATE 40001).
          await query(em, `do $$ begin raise exception 'conflict' using errcode = 'serialization_failure'; end $$`);
        })
        .catch((e: unknown) => e);
      expect(runs).toBe(3);
      expect(error).toBeInstanceOf(OverlayDbError);
      expect((error as OverlayDbError).code).toBe('DATABASE_ERROR');
    });

    it("inside the host's own transaction it is not retried: the host's transaction is aborted as a whole", async () => {
      let runs = 0;
      const error = await db
        .fork()
        .transactional(async (host) => {
          const ctx = new ScopeContext(host, company.companyId);
          await ctx.transaction(async (em) => {
            runs++;
            await query(em, `do $$ begin raise exception 'conflict' using errcode = 'deadlock_detected'; end $$`);
          });
        })
        .catch((e: unknown) => e);
      expect(runs).toBe(1);
      expect(error).toBeInstanceOf(OverlayDbError);
    });
  },
);
