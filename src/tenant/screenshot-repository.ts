import { Screenshot } from '../entities/screenshot.js';
import { query, READ } from '../executor/executor.js';
import { requireId } from '../validation/validators.js';
import { guard } from './guard.js';
import { mapRows } from './map-rows.js';
import { readColumns } from './read-columns.js';
import type { TenantContext } from './tenant-context.js';

const SELECT_SCREENSHOT_SQL = `select ${readColumns('screenshots')} from "screenshots" where "id" = ? and "company_id" = ?`;
const SELECT_WORKFLOW_SCREENSHOTS_SQL =
  `select ${readColumns('screenshots')} from "screenshots" where "company_id" = ? and "workflow_id" = ? union ` +
  `select ${readColumns('screenshots', '"sc"')} from "screenshots" as "sc" join "steps" as "s" on "s"."screenshot_id" = "sc"."id" ` +
  'where "s"."company_id" = ? and "s"."workflow_id" = ? and "sc"."company_id" = ? order by "id"';

let construct: (ctx: TenantContext) => ScreenshotRepository;

/**
 * The ScreenshotRepository of a scope's context (the class's constructor is private). Internal.
 *
 * @example
 * const repository = screenshotRepository(ctx);
 */
export function screenshotRepository(ctx: TenantContext): ScreenshotRepository {
  return construct(ctx);
}

/**
 * The screenshots of one company (read-only here; they are stored through `dedupeScreenshot`).
 *
 * @example
 * const shot = await db.forCompany(companyId).screenshots.get(5);
 */
export class ScreenshotRepository {
  readonly #ctx: TenantContext;

  static {
    construct = (ctx) => new ScreenshotRepository(ctx);
  }

  // Private: a host gets repositories only from a tenant scope, and the declaration names no internal type.
  private constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * The screenshot with this id, or null when there is none in this company.
   *
   * @example
   * const shot = await t.screenshots.get(5);
   */
  async get(id: number): Promise<Screenshot | null> {
    const sid = requireId('id', id);
    const ctx = this.#ctx;
    return guard('Reading a screenshot', async () => {
      const rows = await query(ctx.em, SELECT_SCREENSHOT_SQL, [sid, ctx.companyId], READ);
      return rows.length === 0 ? null : mapRows(ctx.references(), Screenshot, rows)[0];
    });
  }

  /**
   * The screenshots of a workflow, by id: those it owns and those its steps show (a screenshot
   * is shared by hash within a company, so a step may show one owned by another workflow).
   * Empty for a missing or another company's workflow.
   *
   * @example
   * const shots = await t.screenshots.listByWorkflow(12);
   */
  async listByWorkflow(workflowId: number): Promise<Screenshot[]> {
    const wid = requireId('workflowId', workflowId);
    const c = this.#ctx.companyId;
    return guard('Listing screenshots', async () => {
      const rows = await query(this.#ctx.em, SELECT_WORKFLOW_SCREENSHOTS_SQL, [c, wid, c, wid, c], READ);
      return mapRows(this.#ctx.references(), Screenshot, rows);
    });
  }
}
