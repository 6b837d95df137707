import type { TenantContext } from './tenant-context.js';

/**
 * Before a workflow is deleted, moves each of its screenshots that a step of another workflow
 * (of the same company) still shows to that other workflow (the lowest such id). The delete's
 * cascade would otherwise remove the screenshot and silently null the other step's
 * `screenshot_id`. The storage key is left as it is: the stored object does not move.
 * Call inside the delete's transaction. Returns how many screenshots moved.
 *
 * @example
 * await ctx.transactional(async () => { await rehomeSharedScreenshots(ctx, id); … });
 */
export async function rehomeSharedScreenshots(ctx: TenantContext, workflowId: number): Promise<number> {
  const c = ctx.companyId;
  const users =
    'from "steps" as "s" join "workflows" as "o" on "o"."id" = "s"."workflow_id" and "o"."company_id" = ? ' +
    'where "s"."screenshot_id" = "screenshots"."id" and "s"."company_id" = ? and "s"."workflow_id" <> ?';
  if (ctx.dialect === 'postgresql') {
    // A step inserted concurrently that points at one of these screenshots holds a key-share
    // lock on it; locking them here makes that insert either visible below or fail after commit.
    await ctx.em.execute(
      'select "id" from "screenshots" where "company_id" = ? and "workflow_id" = ? for update',
      [c, workflowId],
      'all',
    );
  }
  const result = await ctx.em.execute<{ affectedRows?: number; rowCount?: number }>(
    `update "screenshots" set "workflow_id" = (select min("s"."workflow_id") ${users}) ` +
      `where "company_id" = ? and "workflow_id" = ? and exists (select 1 ${users})`,
    [c, c, workflowId, c, workflowId, c, c, workflowId],
    'run',
  );
  return Number(result.affectedRows ?? result.rowCount ?? 0);
}
