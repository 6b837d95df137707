import type { SqlParam } from '../../executor/executor.js';
import { type LifecycleSql, type RunLockIds, runLockColumns } from '../lifecycle-sql.js';
import { PLANNED_ONCE } from './planned-once.js';

// SQLite resolves RETURNING against the table's own name (an alias there fails).
const LOCK_FOR_RUN =
  'update "workflows" set "status" = "status" where "id" = ? and "company_id" = ? ' +
  `returning ${runLockColumns('"workflows"')}`;

/** The lifecycle SQL of SQLite: a no-op UPDATE takes the database's write lock first. */
export const sqliteLifecycleSql: LifecycleSql = Object.freeze({
  lockWorkflowForRun(ids: RunLockIds): { sql: string; params: SqlParam[] } {
    return { sql: LOCK_FOR_RUN, params: [ids.workflowId, ids.companyId, ids.userId, ids.stepId] };
  },
  lockWorkflowStatus:
    'update "workflows" set "status" = "status" where "id" = ? and "company_id" = ? returning "status"',
  subqueryFence: '',
  timestampParameter: '?',
  valueParameter: PLANNED_ONCE,
});
