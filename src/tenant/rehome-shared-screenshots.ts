import { query } from '../executor/executor.js';
import type { TenantContext } from './tenant-context.js';

/**
 * Before a workflow is deleted, moves each of its screenshots that a step of another workflow
 * (of the same company) still shows to that other workflow (the lowest such id). The delete's
 * cascade would otherwise remove the screenshot and silently null the other step's
 * `screenshot_id`. The storage key is left as it is: the stored object does not move.
 * Call inside the delete's transaction. Returns how many screenshots moved.
 *
 * @example
 * await ctx.transaction(async () => { await rehomeSharedScreenshots(ctx, id); … });
 */
export async function rehomeSharedScreenshots(ctx: TenantContext, workflowId: number): Promise<number> {
  const c = ctx.companyId;
  const users =
    'from "steps" as "s" join "workflows" as "o" on "o"."id" = "s"."workflow_id" and "o"."company_id" = ? ' +
    'where "s"."screenshot_id" = "screenshots"."id" and "s"."company_id" = ? and "s"."workflow_id" <> ?';
  const lock = ctx.dialect.tenant.lockWorkflowScreenshots;
  if (lock !== null) await query(ctx.em, lock, [c, workflowId]);
  const moved = await query(
    ctx.em,
    `update "screenshots" set "workflow_id" = (select min("s"."workflow_id") ${users}) ` +
      `where "company_id" = ? and "workflow_id" = ? and exists (select 1 ${users}) returning "id"`,
    [c, c, workflowId, c, workflowId, c, c, workflowId],
  );
  return moved.length;
}
