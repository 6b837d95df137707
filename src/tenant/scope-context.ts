import { AsyncLocalStorage } from 'node:async_hooks';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import type { SqlDialect } from '../dialects/dialect.js';
import { dialectOfEm, query, transaction } from '../executor/executor.js';
import { ReferenceSource } from './reference-source.js';
import type { TenantContext } from './tenant-context.js';

// One storage for every scope, not one per scope: Node.js keeps each storage that has ever run in
// a global list, walked on every new promise, so a storage per scope (a scope per request) would
// grow that list, and the cost of every await, without bound.
const activeScope = new AsyncLocalStorage<ScopeContext>();

/**
 * The {@link TenantContext} of one tenant scope: statements run on the host's EntityManager
 * through the executor (so on its transaction when the host is in one), and
 * {@link ScopeContext.transaction} is the executor's one transaction, plus, under PostgreSQL
 * row-level security, the transaction-local tenant setting right after `begin`. Creating a scope
 * costs nothing: it holds no connection and no fork.
 *
 * @example
 * const ctx = new ScopeContext(orm.em, 7);
 * await ctx.transaction(async (em) => query(em, 'update "workflows" set … where "company_id" = ?', [7]));
 */
export class ScopeContext implements TenantContext {
  readonly companyId: number;
  readonly dialect: SqlDialect;
  readonly em: SqlEntityManager;
  /** PostgreSQL row-level security: every transaction first sets the tenant the policies read. */
  readonly rowLevelSecurity: boolean;
  readonly #setTenant: string | null;

  constructor(em: SqlEntityManager, companyId: number, options: { rowLevelSecurity?: boolean } = {}) {
    this.companyId = companyId;
    this.em = em;
    this.dialect = dialectOfEm(em);
    this.#setTenant = options.rowLevelSecurity === true ? this.dialect.tenant.setTenant : null;
    this.rowLevelSecurity = this.#setTenant !== null;
  }

  /**
   * A fresh source of references for the entities one call returns: loads read through this
   * scope (its company predicate; under row-level security, in a transaction that sets the tenant).
   */
  references(): ReferenceSource {
    return new ReferenceSource(
      this.em,
      this.companyId,
      this.rowLevelSecurity ? (work) => this.transaction(() => work()) : undefined,
    );
  }

  /**
   * Runs `work` in one transaction of the executor: a nested call of this scope joins the outer
   * one, and so does a transaction the host's EntityManager is in (which is then not retried
   * here: the host's transaction is aborted as a whole). A top-level transaction that the
   * database aborts for a deadlock, a serialization failure, a busy SQLite file or a stale plan
   * runs again, up to three times in all. Under row-level security each transaction of this
   * scope (joined to the host's or not) first sets the tenant. Errors come out as OverlayDbError.
   */
  async transaction<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    if (activeScope.getStore() === this) return work(this.em);
    const em = this.em;
    const setTenant = this.#setTenant;
    const run = () => activeScope.run(this, () => work(em));
    try {
      return await transaction(em, async () => {
        if (setTenant !== null) await query(em, setTenant, [String(this.companyId)]);
        return run();
      });
    } catch (error) {
      throw convertError(error);
    }
  }
}
