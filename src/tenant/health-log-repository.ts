import { convertError } from '../database/convert-error.js';
import { HealthLog } from '../entities/health-log.js';
import { query, READ, withConnection } from '../executor/executor.js';
import { type HealthSummary, healthSummary } from '../lifecycle/health-summary.js';
import { buildHealthLogListQuery } from '../lifecycle/list-health-logs.js';
import { type RecordRunInput, type RecordRunResult, recordRun } from '../lifecycle/record-run.js';
import { LIMITS } from '../validation/limits.js';
import { rejectUnknownKeys, requireId, requireNumber, requireObject } from '../validation/validators.js';
import { keysetPage } from './keyset.js';
import { mapRows } from './map-rows.js';
import { DEFAULT_PAGE_SIZE } from './page-size.js';
import type { TenantContext } from './tenant-context.js';

/**
 * Options of {@link HealthLogRepository.listByWorkflow}.
 *
 * @example
 * const next = await t.healthLogs.listByWorkflow(workflowId, { limit: 20, cursor: page.nextCursor });
 */
export interface ListHealthLogsOptions {
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

/**
 * A page of {@link HealthLogRepository.listByWorkflow}, newest first; pass `nextCursor` back as
 * `cursor` for the next page (null: last page).
 *
 * @example
 * const page: HealthLogPage = await t.healthLogs.listByWorkflow(workflowId);
 */
export interface HealthLogPage {
  items: HealthLog[];
  nextCursor: string | null;
}

let construct: (ctx: TenantContext) => HealthLogRepository;

/**
 * The HealthLogRepository of a scope's context (the class's constructor is private). Internal.
 *
 * @example
 * const repository = healthLogRepository(ctx);
 */
export function healthLogRepository(ctx: TenantContext): HealthLogRepository {
  return construct(ctx);
}

/**
 * A company's run history (`t.healthLogs`): recording a run updates the workflow's metrics and
 * status in the same transaction. Ids of other companies behave as missing.
 *
 * @example
 * const { workflow, notification } = await t.healthLogs.record({ workflowId, userId, status: 'failed' });
 * const summary = await t.healthLogs.summary(workflowId);
 */
export class HealthLogRepository {
  readonly #ctx: TenantContext;

  static {
    construct = (ctx) => new HealthLogRepository(ctx);
  }

  // Private: a host gets repositories only from a tenant scope, and the declaration names no internal type.
  private constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * Records one run outcome and applies the health rules, in one transaction (see the README's
   * "Run lifecycle"). A workflowId, userId or stepId of another company is
   * CROSS_TENANT_REFERENCE, and nothing is written.
   *
   * @example
   * const { log, workflow } = await t.healthLogs.record({ workflowId, userId, status: 'success', executionTimeMs: 5120 });
   */
  async record(input: RecordRunInput): Promise<RecordRunResult> {
    return recordRun(this.#ctx, input);
  }

  /**
   * One page of a workflow's health logs, newest first, keyset-paginated (pass `nextCursor` back
   * as `cursor`). A missing or foreign workflow gives an empty page.
   *
   * @example
   * const { items, nextCursor } = await t.healthLogs.listByWorkflow(workflowId, { limit: 20 });
   */
  async listByWorkflow(workflowId: number, options: ListHealthLogsOptions = {}): Promise<HealthLogPage> {
    requireId('workflowId', workflowId);
    const opts = requireObject('options', options);
    rejectUnknownKeys('options', opts, ['limit', 'cursor']);
    const limit =
      opts.limit === undefined
        ? DEFAULT_PAGE_SIZE
        : requireNumber('limit', opts.limit, { integer: true, min: 1, max: LIMITS.pageSize });
    const { sql, params } = buildHealthLogListQuery(this.#ctx.dialect, this.#ctx.companyId, workflowId, {
      limit,
      cursor: opts.cursor as string | null | undefined,
    });
    try {
      const rows = await query(this.#ctx.em, sql, params, READ);
      return keysetPage(rows, limit, (page) => mapRows(this.#ctx.references(), HealthLog, page));
    } catch (error) {
      throw convertError(error, 'Listing health logs');
    }
  }

  /**
   * The workflow's health dashboard, computed in the database: success rate over the last 7 and
   * 30 days, total runs, the 10 newest logs and the steps failing in the last 30 days. Null for a
   * missing or foreign workflow.
   *
   * @example
   * const s = await t.healthLogs.summary(workflowId);
   * if (s) console.log(s.last7Days.successRate, s.failingSteps);
   */
  async summary(workflowId: number): Promise<HealthSummary | null> {
    requireId('workflowId', workflowId);
    try {
      const em = this.#ctx.em;
      // Its three statements on one connection of the pool.
      return await withConnection(
        em,
        () => healthSummary(em, this.#ctx.references(), this.#ctx.dialect, this.#ctx.companyId, workflowId),
        READ,
      );
    } catch (error) {
      throw convertError(error, 'Summarizing workflow health');
    }
  }
}
