import { AsyncLocalStorage } from 'node:async_hooks';
import { FlushMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/knex';
import { convertError } from '../database/convert-error.js';
import type { Dialect } from '../database/options.js';
import { retryTransient } from '../reliability/retry-transient.js';
import { TENANT_SETTING } from '../security/row-level-security-flag.js';
import type { TenantContext } from './tenant-context.js';

/** Name of the MikroORM filter every scope installs on its own fork. */
export const TENANT_FILTER = 'overlayTenant';
/** The entities that carry `company_id`. */
export const TENANT_OWNED_ENTITIES = ['User', 'Workflow', 'Screenshot', 'Step', 'HealthLog', 'Notification'] as const;

/**
 * The {@link TenantContext} of one tenant scope: a private fork of the host's EntityManager
 * with an empty identity map, a tenant filter as a second line of defence, and transactions
 * that nest by joining. Inside {@link ScopeContext.transactional}, `em` is the transaction's
 * EntityManager, so code that reads `ctx.em` there runs on the transaction's connection.
 *
 * @example
 * const ctx = new ScopeContext(orm.em, 7, 'sqlite');
 * await ctx.transactional(async (em) => em.execute('select 1'));
 */
export class ScopeContext implements TenantContext {
  readonly companyId: number;
  readonly dialect: Dialect;
  /** PostgreSQL row-level security: every transaction first sets the tenant setting the policies read. */
  readonly rowLevelSecurity: boolean;
  readonly #root: SqlEntityManager;
  readonly #active = new AsyncLocalStorage<SqlEntityManager>();

  constructor(em: SqlEntityManager, companyId: number, dialect: Dialect, options: { rowLevelSecurity?: boolean } = {}) {
    this.companyId = companyId;
    this.dialect = dialect;
    this.rowLevelSecurity = dialect === 'postgresql' && options.rowLevelSecurity === true;
    this.#root = em.fork({
      clear: true,
      useContext: false,
      // A host EntityManager that is inside a transaction keeps it: the scope's work joins it.
      keepTransactionContext: true,
      // The scope's atomicity depends on real transactions, whatever the host configured.
      disableTransactions: false,
      // No implicit flush before queries: nothing is written unless a repository writes it.
      flushMode: FlushMode.COMMIT,
    }) as SqlEntityManager;
    // Belt and braces: every query MikroORM builds through this fork (lazy loads of relations
    // on returned entities, populate, native updates and deletes) also gets the company predicate.
    // Repositories do not rely on it: they write the predicate into every statement themselves.
    this.#root.addFilter(TENANT_FILTER, { company: companyId }, [...TENANT_OWNED_ENTITIES], {
      default: true,
      args: false,
    } as never);
  }

  /** The scope's fork, or inside {@link ScopeContext.transactional} the transaction's EntityManager. */
  get em(): SqlEntityManager {
    return this.#active.getStore() ?? this.#root;
  }

  /**
   * Runs `work` in one transaction; a nested call joins the outer one. A transaction the
   * database aborts for a deadlock, a serialization failure or a lock timeout runs again, up to
   * three times in all, unless it joined a transaction of the host (which is aborted as a whole).
   * Errors come out as OverlayDbError.
   */
  async transactional<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    const current = this.#active.getStore();
    if (current) return work(current);
    const once = () =>
      // A throwaway parent: what the transaction loads or creates is merged into it, not into
      // the scope's fork, so the scope never accumulates state between calls (nor between attempts).
      this.#root.fork({ clear: true, keepTransactionContext: true }).transactional(async (tx) => {
        const em = tx as SqlEntityManager;
        // Transaction-local (is_local = true): it ends with the transaction, so a pooled
        // connection (or a transaction-pooling proxy) never carries one company's id to another.
        if (this.rowLevelSecurity) {
          await em.execute(`select set_config('${TENANT_SETTING}', ?, true)`, [String(this.companyId)]);
        }
        return this.#active.run(em, () => work(em));
      });
    try {
      return await (this.#root.isInTransaction() ? once() : retryTransient(once));
    } catch (error) {
      throw convertError(error);
    }
  }
}
