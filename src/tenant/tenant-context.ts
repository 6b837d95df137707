import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Dialect } from '../database/options.js';
import type { ReferenceSource } from './reference-source.js';

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
  /** Where hand-written statements run (the transaction's EntityManager inside one). Internal. */
  readonly sql: SqlEntityManager;
  /** Where the entities one call returns get their relation references. */
  references(): ReferenceSource;
  /** Runs `work` in one transaction (a nested call joins the outer transaction). */
  transactional<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T>;
  /** Runs `work`, which runs hand-written statements on `sql` only, in one transaction (cheaper). */
  sqlTransaction<T>(work: () => Promise<T>): Promise<T>;
}
