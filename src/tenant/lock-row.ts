import { query } from '../executor/executor.js';
import type { OwnedTable } from './owned-ids.js';
import type { TenantContext } from './tenant-context.js';

/**
 * Reads `columns` of one row of the scope's company inside the running transaction, locking it
 * (the dialect's row lock) so that checks made on it hold until commit: `for no key update` (the
 * default) for an update, which still lets other transactions insert rows that reference it,
 * `for update` before a delete. SQLite has one writer at a time, so its transaction already
 * serializes writers and the lock is empty. Returns null when the row is missing or belongs to
 * another company.
 *
 * @example
 * const row = await lockRow(ctx, 'workflows', ['status'], id);
 */
export async function lockRow<T extends Record<string, unknown>>(
  ctx: TenantContext,
  table: OwnedTable,
  columns: readonly (keyof T & string)[],
  id: number,
  mode: 'no key update' | 'update' = 'no key update',
): Promise<T | null> {
  const rows = await query<T>(
    ctx.em,
    `select ${columns.map((c) => `"${c}"`).join(', ')} from "${table}" where "id" = ? and "company_id" = ?${ctx.dialect.rowLock(mode)}`,
    [id, ctx.companyId],
  );
  return rows[0] ?? null;
}
