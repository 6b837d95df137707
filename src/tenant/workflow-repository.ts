import { ForeignKeyConstraintViolationException } from '@mikro-orm/core';
import type { SqlDialect } from '../dialects/dialect.js';
import { Step } from '../entities/step.js';
import { Workflow, type WorkflowStatus } from '../entities/workflow.js';
import { CrossTenantReferenceError, NotFoundError } from '../errors.js';
import { query, READ, type SqlParam, withConnection } from '../executor/executor.js';
import { assertStatusTransition } from '../lifecycle/status-transitions.js';
import { parseTimestamp } from '../types/utc-datetime-type.js';
import { requireId } from '../validation/validators.js';
import { attachExtra } from './attach-extra.js';
import { guard } from './guard.js';
import { keysetPage } from './keyset.js';
import { lockRow } from './lock-row.js';
import { type ExtraColumn, mapRows } from './map-rows.js';
import { requireOwnedIds } from './owned-ids.js';
import { readColumns } from './read-columns.js';
import { rehomeSharedScreenshots } from './rehome-shared-screenshots.js';
import type { TenantContext } from './tenant-context.js';
import { parseWorkflowCreate, type WorkflowCreateInput } from './workflow-create-input.js';
import {
  buildWorkflowListQuery,
  parseWorkflowListOptions,
  STEP_COUNT_COLUMN,
  type WorkflowListOptions,
} from './workflow-list-query.js';
import { parseWorkflowPatch, type WorkflowPatch } from './workflow-patch.js';

/**
 * The workflow's insert, with the creator's company check in it: `created_by` is the user's id only
 * if the user is the company's (locked against a concurrent delete as `requireOwnedIds` locks it),
 * else null, which `create` then refuses, rolling the insert back. One statement instead of a
 * check and an insert.
 */
function insertWorkflowSql(dialect: SqlDialect): string {
  let sql = insertTexts.get(dialect);
  if (sql === undefined) {
    sql =
      'insert into "workflows" ("company_id", "created_by", "name", "description", "starting_url", "tags", "status", ' +
      '"success_rate", "total_uses", "consecutive_failures", "created_at", "updated_at", "last_successful_run", ' +
      `"last_failed_run") values (?, (select "id" from "users" where "id" = ? and "company_id" = ?${dialect.rowLock('key share')}), ` +
      `?, ?, ?, ?, ?, 0, 0, 0, ?, ?, null, null) returning ${readColumns('workflows')}`;
    insertTexts.set(dialect, sql);
  }
  return sql;
}
const insertTexts = new Map<SqlDialect, string>();
// PostgreSQL's count(*) is a bigint, which pg returns as text.
const STEP_COUNT: ExtraColumn = { key: 'stepCount', column: STEP_COUNT_COLUMN, value: Number };

const SELECT_WORKFLOW_SQL = `select ${readColumns('workflows')} from "workflows" where "id" = ? and "company_id" = ?`;
const DELETE_WORKFLOW_SQL = 'delete from "workflows" where "id" = ? and "company_id" = ? returning "id"';

/** The column of each field of {@link WorkflowPatch}. */
const PATCH_COLUMNS = {
  name: 'name',
  startingUrl: 'starting_url',
  description: 'description',
  tags: 'tags',
  status: 'status',
} as const satisfies Record<keyof WorkflowPatch, string>;

/** A JSON value as a statement parameter: jsonb takes the text, SQLite stores it. */
function json(value: unknown): string | null {
  return value === undefined || value === null ? null : JSON.stringify(value);
}

/**
 * A workflow with `steps`, its steps ordered by `stepNumber` (also in its JSON).
 *
 * @example
 * const wf: WorkflowWithSteps | null = await t.workflows.getWithSteps(workflowId);
 */
export type WorkflowWithSteps = Workflow & { readonly steps: Step[] };

/**
 * One item of {@link WorkflowRepository.list}: a workflow with `stepCount`, how many steps it has
 * (also in its JSON).
 *
 * @example
 * for (const wf of page.items) console.log(wf.name, wf.stepCount);
 */
export type WorkflowSummary = Workflow & { readonly stepCount: number };

/**
 * A page of {@link WorkflowRepository.list}; pass `nextCursor` back as `cursor` for the next page
 * (null: last page).
 *
 * @example
 * const page: WorkflowPage = await t.workflows.list({ status: 'active' });
 */
export interface WorkflowPage {
  items: WorkflowSummary[];
  nextCursor: string | null;
}

let construct: (ctx: TenantContext) => WorkflowRepository;

/**
 * The WorkflowRepository of a scope's context (the class's constructor is private). Internal.
 *
 * @example
 * const repository = workflowRepository(ctx);
 */
export function workflowRepository(ctx: TenantContext): WorkflowRepository {
  return construct(ctx);
}

/**
 * The workflows of one company. Every read has the company predicate in its SQL, every write
 * stamps and checks `company_id`; another company's id reads as null and writes as NOT_FOUND.
 *
 * @example
 * const t = db.forCompany(companyId);
 * const wf = await t.workflows.create({ name: 'Pay invoice', startingUrl: 'https://app.example' });
 */
export class WorkflowRepository {
  readonly #ctx: TenantContext;

  static {
    construct = (ctx) => new WorkflowRepository(ctx);
  }

  // Private: a host gets repositories only from a tenant scope, and the declaration names no internal type.
  private constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * Creates a workflow and its steps in one transaction: `processing` with steps (they await AI
   * labels), `draft` without. Everything is validated before the first write; `createdBy` and each
   * step's `screenshotId` must name rows of this company (else CROSS_TENANT_REFERENCE).
   *
   * @example
   * await t.workflows.create({ name: 'Login', startingUrl: 'https://app.example', steps: [step] });
   */
  async create(input: WorkflowCreateInput): Promise<Workflow> {
    const parsed = parseWorkflowCreate(input);
    const ctx = this.#ctx;
    return ctx.transaction(async (em) => {
      const firstUse = new Map<number, number>();
      parsed.steps.forEach((s, i) => {
        if (s.screenshotId !== null && !firstUse.has(s.screenshotId)) firstUse.set(s.screenshotId, i);
      });
      await requireOwnedIds(ctx, 'screenshots', (id) => `steps[${firstUse.get(id)}].screenshotId`, firstUse.keys());

      const now = new Date().toISOString();
      let rows: Record<string, unknown>[];
      try {
        rows = await query(em, insertWorkflowSql(ctx.dialect), [
          ctx.companyId,
          parsed.createdBy,
          ctx.companyId,
          parsed.name,
          parsed.description,
          parsed.startingUrl,
          json(parsed.tags),
          parsed.steps.length > 0 ? 'processing' : 'draft',
          now,
          now,
        ]);
      } catch (error) {
        // The creator is one of the company's users or null, and the screenshots were checked
        // above, so the only foreign key left is the company's.
        if (error instanceof ForeignKeyConstraintViolationException) throw new NotFoundError('Company', ctx.companyId);
        throw error;
      }
      // Another company's user, or none. The row goes before the error does: a host whose
      // transaction this joined may catch the error and commit.
      if (parsed.createdBy !== null && rows[0].created_by == null) {
        await query(em, DELETE_WORKFLOW_SQL, [rows[0].id as number, ctx.companyId]);
        throw new CrossTenantReferenceError('createdBy', parsed.createdBy);
      }
      const target = { companyId: ctx.companyId, workflowId: Number(rows[0].id), createdAt: now };
      for (const insert of ctx.dialect.tenant.insertSteps(target, parsed.steps)) {
        await query(em, insert.sql, insert.params);
      }
      return mapRows(ctx.references(), Workflow, rows)[0];
    });
  }

  /**
   * The workflow with this id, or null when there is none in this company (also when it
   * belongs to another company).
   *
   * @example
   * const wf = await t.workflows.get(12);
   */
  async get(id: number): Promise<Workflow | null> {
    const wid = requireId('id', id);
    return guard('Reading a workflow', async () => {
      const rows = await query(this.#ctx.em, SELECT_WORKFLOW_SQL, [wid, this.#ctx.companyId], READ);
      return rows.length === 0 ? null : mapRows(this.#ctx.references(), Workflow, rows)[0];
    });
  }

  /**
   * The workflow with its steps ordered by `stepNumber`, or null (as {@link WorkflowRepository.get}).
   *
   * @example
   * const found = await t.workflows.getWithSteps(12);
   * found?.steps.map((s) => `${s.stepNumber}. ${s.actionType}`);
   */
  async getWithSteps(id: number): Promise<WorkflowWithSteps | null> {
    const wid = requireId('id', id);
    const c = this.#ctx.companyId;
    const em = this.#ctx.em;
    return guard('Reading a workflow', async () => {
      // Both statements on one connection of the pool.
      const read = await withConnection(
        em,
        async () => {
          const rows = await query(em, SELECT_WORKFLOW_SQL, [wid, c], READ);
          return rows.length === 0
            ? null
            : { rows, stepRows: await query(em, this.#ctx.dialect.tenant.workflowSteps, [wid, c], READ) };
        },
        READ,
      );
      if (read === null) return null;
      const { rows, stepRows } = read;
      const refs = this.#ctx.references();
      return attachExtra(mapRows(refs, Workflow, rows)[0], 'steps', mapRows(refs, Step, stepRows));
    });
  }

  /**
   * One page of this company's workflows, newest first, with each one's step count. Keyset
   * pagination on (createdAt, id): pages stay stable while rows are inserted. Filters: `status`,
   * `tag`, `createdBy`. Default page size 50, at most `LIMITS.pageSize`.
   *
   * @example
   * let page = await t.workflows.list({ status: 'active' });
   * while (page.nextCursor) page = await t.workflows.list({ status: 'active', cursor: page.nextCursor });
   */
  async list(options?: WorkflowListOptions): Promise<WorkflowPage> {
    const parsed = parseWorkflowListOptions(options);
    const ctx = this.#ctx;
    return guard('Listing workflows', async () => {
      const { sql, params } = buildWorkflowListQuery(ctx.dialect, ctx.companyId, parsed);
      const rows = await query(ctx.em, sql, params, READ);
      return keysetPage(
        rows,
        parsed.limit,
        (page) => mapRows(ctx.references(), Workflow, page, STEP_COUNT) as WorkflowSummary[],
      );
    });
  }

  /**
   * Changes the given fields (unknown keys are INVALID_INPUT) and moves `updatedAt`. A status
   * change must be an allowed transition. NOT_FOUND for a missing or another company's id.
   *
   * @example
   * await t.workflows.update(12, { name: 'Pay invoice (EU)', tags: ['billing'] });
   */
  async update(id: number, patch: WorkflowPatch): Promise<Workflow> {
    const wid = requireId('id', id);
    const changes = parseWorkflowPatch(patch);
    const ctx = this.#ctx;
    return ctx.transaction(async (em) => {
      const current = await lockRow<{ status: WorkflowStatus; updated_at: Date | string }>(
        ctx,
        'workflows',
        ['status', 'updated_at'],
        wid,
      );
      if (!current) throw new NotFoundError('Workflow', wid);
      if (changes.status !== undefined && changes.status !== current.status) {
        assertStatusTransition(current.status, changes.status);
      }
      let rows: Record<string, unknown>[];
      const fields = Object.keys(changes) as (keyof WorkflowPatch)[];
      if (fields.length > 0) {
        const previous = current.updated_at instanceof Date ? current.updated_at : parseTimestamp(current.updated_at);
        // Strictly later than before, even for two updates within one millisecond.
        const updatedAt = new Date(Math.max(Date.now(), previous.getTime() + 1));
        const params: SqlParam[] = fields.map((field) =>
          field === 'tags' ? json(changes.tags) : ((changes[field] ?? null) as SqlParam),
        );
        params.push(updatedAt.toISOString(), wid, ctx.companyId);
        rows = await query(
          em,
          `update "workflows" set ${fields.map((field) => `"${PATCH_COLUMNS[field]}" = ?`).join(', ')}, "updated_at" = ? ` +
            `where "id" = ? and "company_id" = ? returning ${readColumns('workflows')}`,
          params,
        );
      } else {
        rows = await query(em, SELECT_WORKFLOW_SQL, [wid, ctx.companyId]);
      }
      if (rows.length !== 1) throw new NotFoundError('Workflow', wid);
      return mapRows(ctx.references(), Workflow, rows)[0];
    });
  }

  /**
   * Deletes the workflow with its steps, health logs, notifications and the screenshots only it
   * uses. A screenshot that a step of another workflow still shows is moved to that workflow
   * first. NOT_FOUND for a missing or another company's id.
   *
   * @example
   * await t.workflows.delete(12);
   */
  async delete(id: number): Promise<void> {
    const wid = requireId('id', id);
    const ctx = this.#ctx;
    await ctx.transaction(async (em) => {
      if (!(await lockRow(ctx, 'workflows', ['id'], wid, 'update'))) throw new NotFoundError('Workflow', wid);
      await rehomeSharedScreenshots(ctx, wid);
      const deleted = await query(em, DELETE_WORKFLOW_SQL, [wid, ctx.companyId]);
      if (deleted.length !== 1) throw new NotFoundError('Workflow', wid);
    });
  }
}
