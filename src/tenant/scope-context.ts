import { AsyncLocalStorage } from 'node:async_hooks';
import { FlushMode } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { convertError } from '../database/convert-error.js';
import {
  activeNativeConnection,
  canUseNativeConnection,
  nativeTransaction,
  poolOf,
} from '../database/native-transaction.js';
import type { Dialect } from '../database/options.js';
import { query } from '../executor/executor.js';
import { retryTransient } from '../reliability/retry-transient.js';
import { TENANT_SETTING } from '../security/row-level-security-flag.js';
import { detachReturned } from './detach.js';
import { ReferenceSource } from './reference-source.js';
import type { TenantContext } from './tenant-context.js';

/** Name of the MikroORM filter every scope installs on its own fork. */
export const TENANT_FILTER = 'overlayTenant';
/** The entities that carry `company_id`. */
export const TENANT_OWNED_ENTITIES = ['User', 'Workflow', 'Screenshot', 'Step', 'HealthLog', 'Notification'] as const;

// One AsyncLocalStorage for every scope, not one per scope: Node.js keeps each storage that has
// ever run in a global list, walked on every new promise, so a storage per scope (a scope per
// request) would grow that list, and the cost of every await, without bound.
const activeTransactions = new AsyncLocalStorage<{ scope: ScopeContext; em: SqlEntityManager }>();

/**
 * The {@link TenantContext} of one tenant scope. Hand-written statements run on the host's
 * EntityManager (its connection, and its transaction if the host is in one); entity work runs on
 * a private fork with an empty identity map and a tenant filter as a second line of defence, made
 * the first time it is needed, so a scope costs nothing to create. Transactions nest by joining.
 * Inside {@link ScopeContext.transactional}, `em` and `sql` are the transaction's EntityManager.
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
  readonly #host: SqlEntityManager;
  #root: SqlEntityManager | undefined;

  constructor(em: SqlEntityManager, companyId: number, dialect: Dialect, options: { rowLevelSecurity?: boolean } = {}) {
    this.companyId = companyId;
    this.dialect = dialect;
    this.rowLevelSecurity = dialect === 'postgresql' && options.rowLevelSecurity === true;
    this.#host = em;
  }

  /** The EntityManager of this scope's transaction running in this async context, if any. */
  #activeEm(): SqlEntityManager | undefined {
    const active = activeTransactions.getStore();
    return active !== undefined && active.scope === this ? active.em : undefined;
  }

  /** The scope's fork, or inside {@link ScopeContext.transactional} the transaction's EntityManager. */
  get em(): SqlEntityManager {
    const current = this.#activeEm();
    if (current) return current;
    this.#root ??= this.#fork();
    return this.#root;
  }

  /** Where hand-written statements run: the transaction's EntityManager inside one, else the host's. */
  get sql(): SqlEntityManager {
    return this.#activeEm() ?? this.#host;
  }

  /** Where the entities one call returns get their relation references (a fresh filtered fork). */
  references(): ReferenceSource {
    return new ReferenceSource(this.#host, () => this.#fork(), this.companyId);
  }

  /** A fresh fork of the host's EntityManager with an empty identity map and the tenant filter. */
  #fork(): SqlEntityManager {
    const fork = this.#host.fork({
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
    fork.addFilter(TENANT_FILTER, { company: this.companyId }, [...TENANT_OWNED_ENTITIES], {
      default: true,
      args: false,
    } as never);
    return fork;
  }

  /**
   * Runs `work` in one transaction; a nested call joins the outer one. A transaction the
   * database aborts for a deadlock, a serialization failure or a lock timeout runs again, up to
   * three times in all, unless it joined a transaction of the host (which is aborted as a whole).
   * Errors come out as OverlayDbError.
   */
  async transactional<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T> {
    const current = this.#activeEm();
    if (current) return work(current);
    if (activeNativeConnection(poolOf(this.#host)) !== undefined) {
      // A bug, not a user error: the entity API inside a held native connection would wait for
      // a second connection (forever, on SQLite's single one).
      throw new Error('an EntityManager transaction cannot run inside a held native connection');
    }
    const root = this.em;
    const once = () =>
      // A throwaway parent: what the transaction loads or creates is merged into it, not into
      // the scope's fork, so the scope never accumulates state between calls (nor between attempts).
      root.fork({ clear: true, keepTransactionContext: true }).transactional(async (tx) => {
        const em = tx as SqlEntityManager;
        // Transaction-local (is_local = true): it ends with the transaction, so a pooled
        // connection (or a transaction-pooling proxy) never carries one company's id to another.
        if (this.rowLevelSecurity) {
          await em.execute(`select set_config('${TENANT_SETTING}', ?, true)`, [String(this.companyId)]);
        }
        return activeTransactions.run({ scope: this, em }, () => work(em));
      });
    let result: T;
    try {
      result = await (root.isInTransaction() ? once() : retryTransient(once));
    } catch (error) {
      throw convertError(error);
    }
    // What the transaction loaded belongs to its EntityManager: hand out detached snapshots.
    return detachReturned(result, () => this.references());
  }

  /**
   * Runs `work` in one transaction whose statements all go through {@link ScopeContext.sql}
   * (hand-written SQL only, no entity API): a native transaction on a pooled connection, much
   * cheaper than MikroORM's. Inside a transaction of the scope or of the host, with query
   * logging on (the log must show every statement), it runs as {@link ScopeContext.transactional}.
   * Retries and errors as there.
   */
  async sqlTransaction<T>(work: () => Promise<T>): Promise<T> {
    const host = this.#host;
    if (this.#activeEm() || !canUseNativeConnection(host)) return this.transactional(() => work());
    const once = () =>
      nativeTransaction(host, async () => {
        if (this.rowLevelSecurity) {
          await query(host, `select set_config('${TENANT_SETTING}', ?, true)`, [String(this.companyId)]);
        }
        return work();
      });
    try {
      return await retryTransient(once);
    } catch (error) {
      throw convertError(error);
    }
  }
}
