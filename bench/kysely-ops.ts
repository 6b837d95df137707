// The operations on Kysely 0.29 (the copy the library depends on), on its better-sqlite3 and pg
// dialects, written with its query builder as its docs show (`sql` only where the builder has no
// word for it: the cursor's timestamp text and the success-rate formula). Kysely sends unnamed
// statements on pg and prepares every statement anew on better-sqlite3; it has no statement cache.
import { type Expression, type Kysely, type RawBuilder, sql } from 'kysely';
import type { DatasetIds } from './dataset.js';
import {
  hashFor,
  healthSummary,
  mapRow,
  notificationPage,
  type OperationSet,
  STEPS_50,
  STEPS_500,
  WORKFLOW_DATES,
  WORKFLOW_JSON,
  workflowPage,
  workflowWithSteps,
  writerOf,
} from './ops.js';
import type { Row } from './raw-driver.js';

type Db = Kysely<any>;
type Dialect = 'sqlite' | 'postgresql';
const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
const DAY_MS = 24 * 3600 * 1000;

/** The text of a timestamp column as the library's cursors carry it. */
function timestampText(dialect: Dialect, column: string): RawBuilder<string> {
  return dialect === 'postgresql'
    ? sql<string>`to_char(${sql.ref(column)} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql<string>`${sql.ref(column)}`;
}

export function kyselyOps(db: Db, dialect: Dialect, ids: DatasetIds, tag: number): OperationSet {
  const c = ids.companyId;
  const writer = writerOf(ids);
  const pgsql = dialect === 'postgresql';
  // better-sqlite3 binds no booleans.
  const bool = (v: boolean) => (pgsql ? v : v ? 1 : 0);

  const create = (name: string, steps: typeof STEPS_50) => {
    const now = new Date().toISOString();
    return db.transaction().execute(async (trx) => {
      const owned = await trx
        .selectFrom('users')
        .select('id')
        .where('company_id', '=', writer.companyId)
        .where('id', 'in', [writer.userId])
        .execute();
      if (owned.length !== 1) throw new Error('createdBy is not a user of this company');
      const workflow = await trx
        .insertInto('workflows')
        .values({
          company_id: writer.companyId,
          created_by: writer.userId,
          name,
          description: null,
          starting_url: 'https://app.example.test',
          tags: '["bench"]',
          status: 'processing',
          success_rate: 0,
          total_uses: 0,
          consecutive_failures: 0,
          created_at: now,
          updated_at: now,
          last_successful_run: null,
          last_failed_run: null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
      await trx
        .insertInto('steps')
        .values(
          steps.map((s, i) => ({
            company_id: writer.companyId,
            workflow_id: workflow.id,
            screenshot_id: null,
            edited_by: null,
            step_number: i + 1,
            timestamp: s.timestamp ?? null,
            action_type: s.actionType,
            selectors: json(s.selectors),
            element_meta: json(s.elementMeta),
            page_context: json(s.pageContext),
            action_data: json(s.actionData),
            dom_context: json(s.domContext),
            label_edited: bool(false),
            instruction_edited: bool(false),
            created_at: now,
          })),
        )
        .execute();
      return mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES);
    });
  };

  const screenshot = (row: Row | undefined, deduplicated: boolean) => ({
    screenshot: row && mapRow(dialect, row, [], ['created_at']),
    deduplicated,
  });

  return {
    'create-workflow-50-steps': (i) => create(`Bench ${tag} ${i}`, STEPS_50),
    'create-workflow-500-steps': (i) => create(`Bench ${tag} ${i}`, STEPS_500),
    'list-workflows-50': async () => {
      const rows = await db
        .selectFrom('workflows as w')
        .selectAll('w')
        .select((eb) => [
          timestampText(dialect, 'w.created_at').as('cursor_created_at'),
          eb
            .selectFrom('steps as s')
            .select((e) => e.fn.countAll().as('n'))
            .whereRef('s.workflow_id', '=', 'w.id')
            .whereRef('s.company_id', '=', 'w.company_id')
            .as('step_count'),
        ])
        .where('w.company_id', '=', c)
        .orderBy('w.created_at', 'desc')
        .orderBy('w.id', 'desc')
        .limit(51)
        .execute();
      return workflowPage(dialect, rows);
    },
    'get-workflow-with-50-steps': async () => {
      const workflow = await db
        .selectFrom('workflows')
        .selectAll()
        .where('id', '=', ids.bigWorkflowId)
        .where('company_id', '=', c)
        .executeTakeFirst();
      if (!workflow) return null;
      const steps = await db
        .selectFrom('steps')
        .selectAll()
        .where('workflow_id', '=', ids.bigWorkflowId)
        .where('company_id', '=', c)
        .orderBy('step_number', 'asc')
        .execute();
      return workflowWithSteps(dialect, workflow, steps);
    },
    'dedupe-screenshot': async (i) => {
      const hash = hashFor(ids, tag, i);
      const wf = await db
        .selectFrom('workflows')
        .select(sql.lit(1).as('one'))
        .where('id', '=', ids.bigWorkflowId)
        .where('company_id', '=', c)
        .executeTakeFirst();
      if (!wf) throw new Error('workflow of another company');
      const existing = await db
        .selectFrom('screenshots')
        .selectAll()
        .where('company_id', '=', c)
        .where('hash', '=', hash)
        .executeTakeFirst();
      if (existing) return screenshot(existing, true);
      return db.transaction().execute(async (trx) => {
        const inserted = await trx
          .insertInto('screenshots')
          .values({
            company_id: c,
            workflow_id: ids.bigWorkflowId,
            hash,
            storage_key: 'pending',
            storage_url: 'pending',
            file_size: 1000,
            width: 1280,
            height: 800,
            format: 'png',
          })
          .onConflict((oc) => oc.columns(['company_id', 'hash']).doNothing())
          .returning('id')
          .executeTakeFirst();
        if (inserted) {
          const key = `companies/${c}/workflows/${ids.bigWorkflowId}/screenshots/${inserted.id}.png`;
          const row = await trx
            .updateTable('screenshots')
            .set({ storage_key: key, storage_url: key })
            .where('id', '=', inserted.id)
            .returningAll()
            .executeTakeFirst();
          return screenshot(row, false);
        }
        const row = await trx
          .selectFrom('screenshots')
          .selectAll()
          .where('company_id', '=', c)
          .where('hash', '=', hash)
          .executeTakeFirst();
        return screenshot(row, true);
      });
    },
    'record-run': () => {
      const now = new Date().toISOString();
      return db.transaction().execute(async (trx) => {
        const w = pgsql ? 'w' : 'workflows';
        const checks = (eb: any): Expression<unknown>[] => [
          eb
            .selectFrom('companies as co')
            .select('co.settings')
            .whereRef('co.id', '=', `${w}.company_id`)
            .as('settings'),
          eb
            .exists(
              eb
                .selectFrom('users as u')
                .select(sql.lit(1).as('one'))
                .where('u.id', '=', ids.userId)
                .whereRef('u.company_id', '=', `${w}.company_id`),
            )
            .as('user_ok'),
        ];
        const locked: Row | undefined = pgsql
          ? await trx
              .selectFrom('workflows as w')
              .select(['w.name', 'w.status', 'w.consecutive_failures'])
              .select(checks as any)
              .where('w.id', '=', ids.runWorkflowId)
              .where('w.company_id', '=', c)
              .forNoKeyUpdate()
              .executeTakeFirst()
          : await trx
              .updateTable('workflows')
              .set((eb) => ({ status: eb.ref('status') }))
              .where('id', '=', ids.runWorkflowId)
              .where('company_id', '=', c)
              .returning(['workflows.name', 'workflows.status', 'workflows.consecutive_failures'])
              .returning(checks as any)
              .executeTakeFirst();
        if (!locked?.user_ok) throw new Error('cross-tenant reference');
        const log = await trx
          .insertInto('health_logs')
          .values({
            company_id: c,
            workflow_id: ids.runWorkflowId,
            step_id: null,
            user_id: ids.userId,
            status: 'success',
            execution_time_ms: 4200,
            created_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        const workflow = await trx
          .updateTable('workflows')
          .set((eb) => ({
            total_uses: eb('total_uses', '+', 1),
            success_rate: sql`(round("success_rate" * "total_uses") + 1) / ("total_uses" + 1)`,
            consecutive_failures: 0,
            last_successful_run: now,
            status: 'active',
            updated_at: now,
          }))
          .where('id', '=', ids.runWorkflowId)
          .where('company_id', '=', c)
          .returningAll()
          .executeTakeFirstOrThrow();
        return {
          log: mapRow(dialect, log, [], ['created_at']),
          workflow: mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES),
          notification: null,
        };
      });
    },
    'notifications-unread-50': async () => {
      const rows = await db
        .selectFrom('notifications as n')
        .selectAll('n')
        .select(timestampText(dialect, 'n.created_at').as('cursor_at'))
        .where('n.company_id', '=', c)
        .where('n.read', '=', sql.lit(bool(false)))
        .orderBy('n.created_at', 'desc')
        .orderBy('n.id', 'desc')
        .limit(51)
        .execute();
      return notificationPage(dialect, rows);
    },
    'health-summary': async () => {
      const workflowId = ids.bigWorkflowId;
      const now = Date.now();
      const since30 = new Date(now - 30 * DAY_MS).toISOString();
      const since7 = new Date(now - 7 * DAY_MS).toISOString();
      // The library's statements (src/lifecycle/health-summary.ts): the window's runs and failed
      // runs counted (the latter from the index of failed runs).
      const first = await db
        .selectFrom('workflows as w')
        .selectAll('w')
        .select((eb) => {
          const countSince = (since: string, failed: boolean) =>
            eb
              .selectFrom('health_logs as h')
              .select((e) => e.fn.countAll().as('n'))
              .where('h.workflow_id', '=', workflowId)
              .where('h.company_id', '=', c)
              .where('h.created_at', '>=', since)
              .$if(failed, (q) => q.where('h.status', '=', 'failed'));
          return [
            countSince(since30, false).as('runs30'),
            countSince(since30, true).as('failed30'),
            countSince(since7, false).as('runs7'),
            countSince(since7, true).as('failed7'),
          ];
        })
        .where('w.id', '=', workflowId)
        .where('w.company_id', '=', c)
        .executeTakeFirst();
      if (!first) return null;
      const counts = first as Record<string, unknown>;
      counts.ok30 = Number(counts.runs30) - Number(counts.failed30);
      counts.ok7 = Number(counts.runs7) - Number(counts.failed7);
      const recent = await db
        .selectFrom('health_logs as h')
        .selectAll('h')
        .select(timestampText(dialect, 'h.created_at').as('cursor_at'))
        .where('h.workflow_id', '=', workflowId)
        .where('h.company_id', '=', c)
        .orderBy('h.created_at', 'desc')
        .orderBy('h.id', 'desc')
        .limit(11)
        .execute();
      const failing = await db
        .selectFrom((eb) =>
          eb
            .selectFrom('health_logs as h')
            .select((e) => ['h.step_id', e.fn.countAll().as('failures'), e.fn.max('h.created_at').as('last_at')])
            .where('h.workflow_id', '=', workflowId)
            .where('h.company_id', '=', c)
            .where('h.created_at', '>=', since30)
            .where('h.status', '=', 'failed')
            .where('h.step_id', 'is not', null)
            .groupBy('h.step_id')
            .as('f'),
        )
        .innerJoin('steps as s', 's.id', 'f.step_id')
        .select(['f.step_id', 's.step_number', 's.field_label', 'f.failures'])
        .select(timestampText(dialect, 'f.last_at').as('last_failure_at'))
        .orderBy('f.failures', 'desc')
        .orderBy('f.last_at', 'desc')
        .orderBy('s.step_number', 'asc')
        .execute();
      return healthSummary(dialect, first, recent, failing);
    },
  };
}
