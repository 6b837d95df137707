import type { SqlEntityManager } from '@mikro-orm/sql';
import { TENANT_FILTER } from './scope-context.js';
import type { TenantContext } from './tenant-context.js';

/**
 * A fresh fork of the scope's EntityManager (empty identity map, same tenant filters, same
 * transaction if one is running) for one read. Entities handed to the caller live in it, so a
 * row cached by an earlier call is never returned in place of a fresh one, and changes the
 * caller makes to a returned entity are never flushed by a later call of the scope.
 *
 * @example
 * const wf = await readFork(ctx).findOne(Workflow, { id, company: ctx.companyId });
 */
export function readFork(ctx: TenantContext): SqlEntityManager {
  return ctx.em.fork({ clear: true, keepTransactionContext: true }) as SqlEntityManager;
}

/**
 * Find options for a repository's own queries, whose WHERE already names the company: the
 * scope's tenant filter is switched off for them because it would repeat the predicate and
 * join every many-to-one target to check it, which doubles the cost of hydrating a page. The
 * filter stays on for everything else the fork runs (lazy loads and populate on returned entities).
 *
 * @example
 * await readFork(ctx).find(Step, { workflow: id, company: ctx.companyId }, ownQuery({ orderBy: { stepNumber: 'asc' } }));
 */
export function ownQuery<T extends object>(options?: T): T & { filters: Record<string, boolean> } {
  return { ...(options as T), filters: { [TENANT_FILTER]: false } };
}
