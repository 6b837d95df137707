import type { SqlParam } from '../../executor/executor.js';
import { type LifecycleSql, type RunLockIds, runLockColumns } from '../lifecycle-sql.js';

const LOCK_FOR_RUN = `select ${runLockColumns('w')} from "workflows" w where w."id" = ? and w."company_id" = ? for no key update`;

/** The lifecycle SQL of PostgreSQL: row locks that leave foreign-key checks free, a planner fence, typed parameters. */
export const postgresqlLifecycleSql: LifecycleSql = Object.freeze({
  lockWorkflowForRun(ids: RunLockIds): { sql: string; params: SqlParam[] } {
    return { sql: LOCK_FOR_RUN, params: [ids.userId, ids.stepId, ids.workflowId, ids.companyId] };
  },
  lockWorkflowStatus: 'select "status" from "workflows" where "id" = ? and "company_id" = ? for no key update',
  subqueryFence: ' offset 0',
  timestampParameter: 'cast(? as timestamptz)',
  valueParameter: '?',
});
