import { CrossTenantReferenceError } from '../errors.js';
import { query } from '../executor/executor.js';
import type { TenantContext } from './tenant-context.js';

/** Tables whose rows a write may reference by id. */
export type OwnedTable = 'users' | 'workflows' | 'screenshots' | 'steps';

// Well under SQLite's 32766 and PostgreSQL's 65535 bound parameters per statement.
const CHUNK = 500;

/**
 * Which of `ids` name rows of `table` that belong to the scope's company. One query per 500
 * ids, with the company predicate in each. The rows found are locked (PostgreSQL: `for key
 * share`) until the transaction ends (the lock the foreign-key check of the write would take):
 * a concurrent delete of one either waits for the write, or commits first and the row is not
 * found here. Without it, a row deleted between this check and the write made the write fail
 * on the foreign key instead of giving CROSS_TENANT_REFERENCE.
 *
 * @example
 * const mine = await findOwnedIds(ctx, 'screenshots', [4, 9]);
 */
export async function findOwnedIds(ctx: TenantContext, table: OwnedTable, ids: Iterable<number>): Promise<Set<number>> {
  const unique = [...new Set(ids)];
  const found = new Set<number>();
  const lock = ctx.dialect.rowLock('key share');
  for (let i = 0; i < unique.length; i += CHUNK) {
    const chunk = unique.slice(i, i + CHUNK);
    const rows = await query<{ id: number | string }>(
      ctx.em,
      `select "id" from "${table}" where "company_id" = ? and "id" in (${chunk.map(() => '?').join(', ')})${lock}`,
      [ctx.companyId, ...chunk],
    );
    for (const row of rows) found.add(Number(row.id));
  }
  return found;
}

/**
 * Throws CROSS_TENANT_REFERENCE naming `field` unless every id names a row of `table` in the
 * scope's company. A missing row and another company's row get the same error.
 *
 * @example
 * await requireOwnedIds(ctx, 'users', 'createdBy', [input.createdBy]);
 */
export async function requireOwnedIds(
  ctx: TenantContext,
  table: OwnedTable,
  field: string | ((id: number) => string),
  ids: Iterable<number>,
): Promise<void> {
  const wanted = [...new Set(ids)];
  if (wanted.length === 0) return;
  const found = await findOwnedIds(ctx, table, wanted);
  for (const id of wanted) {
    if (!found.has(id)) throw new CrossTenantReferenceError(typeof field === 'string' ? field : field(id), id);
  }
}
