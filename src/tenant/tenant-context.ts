import type { SqlEntityManager } from '@mikro-orm/knex';
import type { Dialect } from '../database/options.js';

/**
 * What every repository of a tenant scope is built from. The EntityManager here is the
 * scope's own fork: repositories use it, and none of them ever returns it (or a
 * QueryBuilder) to the caller.
 */
export interface TenantContext {
  /** The company every read is filtered by and every write is stamped with. */
  readonly companyId: number;
  readonly dialect: Dialect;
  /** The scope's own forked EntityManager. Internal: never handed out of the scope. */
  readonly em: SqlEntityManager;
  /** Runs `work` in one transaction (a nested call joins the outer transaction). */
  transactional<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T>;
}
