import type { TenantContext } from '../tenant/tenant-context.js';

/**
 * Wraps a repository so that each of its methods runs as a whole inside one `ctx.transaction`
 * call: under row-level security the reads must also run in a transaction that has set the
 * tenant, and the repository's own transactions then join this one (the tenant is set once).
 * The wrapped object is still an instance of the repository's class.
 *
 * @example
 * const workflows = runCallsInTransactions(ctx, workflowRepository(ctx));
 */
export function runCallsInTransactions<T extends object>(ctx: TenantContext, repository: T): T {
  return new Proxy(repository, {
    get(target, property) {
      const value = Reflect.get(target, property, target);
      if (typeof value !== 'function' || property === 'constructor') return value;
      return (...args: unknown[]) => ctx.transaction(() => Reflect.apply(value, target, args));
    },
  });
}
