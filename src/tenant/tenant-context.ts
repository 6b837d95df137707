import type { SqlEntityManager } from '@mikro-orm/sql';
import type { SqlDialect } from '../dialects/dialect.js';
import type { ReferenceSource } from './reference-source.js';

/**
 * What every repository of a tenant scope is built from: the company, the dialect module and the
 * EntityManager its statements run on (through the executor's `query`, never MikroORM's entity
 * API). Repositories never hand the EntityManager out.
 */
export interface TenantContext {
  /** The company every read is filtered by and every write is stamped with. */
  readonly companyId: number;
  /** The dialect module of the scope's database (`ctx.dialect.tenant`, `ctx.dialect.rowLock(…)`, …). */
  readonly dialect: SqlDialect;
  /**
   * The EntityManager the scope's statements run on: `query(ctx.em, …)` runs inside the scope's
   * transaction when one is running in this async context, else inside the host's transaction,
   * else on a pooled connection. Internal: never handed out of the scope.
   */
  readonly em: SqlEntityManager;
  /** Where the entities one call returns get their relation references. */
  references(): ReferenceSource;
  /**
   * Runs `work` in one transaction (a nested call joins the outer one, as does a transaction the
   * host's EntityManager is in). Under row-level security the tenant is set first. Errors come
   * out as OverlayDbError.
   */
  transaction<T>(work: (em: SqlEntityManager) => Promise<T>): Promise<T>;
}
