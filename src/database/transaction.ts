import type { SqlEntityManager } from '@mikro-orm/sql';
import { InvalidInputError, OverlayDbError } from '../errors.js';
import { dialectOfEm, inTransaction, transaction } from '../executor/executor.js';
import { retryTransient } from '../executor/retry.js';
import { createTenantScope } from '../tenant/create-tenant-scope.js';
import type { TenantScope } from '../tenant/tenant-scope.js';
import { convertError } from './convert-error.js';
import type { Dialect } from './options.js';

/**
 * The transaction of one {@link Database.transaction} call: pass it wherever a `Database` goes (every
 * service, `tx.forCompany(id)`), and everything runs in that one transaction. Use it only inside the
 * function it was given to: afterwards (or from work the function did not await) it is refused.
 *
 * @example
 * await db.transaction(async (tx) => {
 *   const company = await createCompany(tx, { name: 'Acme Corp' });
 *   await createAdmin(tx, { companyId: company.id, email, password });
 * });
 */
export class DatabaseTransaction {
  /** `'sqlite'` or `'postgresql'`. */
  readonly dialect: Dialect;
  readonly #em: SqlEntityManager;
  #open = true;

  /** @internal Made by {@link Database.transaction}. */
  constructor(em: SqlEntityManager) {
    this.#em = em;
    this.dialect = dialectOfEm(em).name;
  }

  /**
   * The tenant scope of one company, inside this transaction. TENANT_REQUIRED unless `companyId` is a
   * positive integer id; INVALID_INPUT (field `db`) once the transaction has ended.
   *
   * @example
   * await db.transaction((tx) => tx.forCompany(companyId).workflows.create({ name, startingUrl }));
   */
  forCompany(companyId: number): TenantScope {
    const scope = createTenantScope(this.entityManager(), companyId);
    return Object.freeze({
      companyId: scope.companyId,
      workflows: this.#guard(scope.workflows),
      steps: this.#guard(scope.steps),
      screenshots: this.#guard(scope.screenshots),
      users: this.#guard(scope.users),
      healthLogs: this.#guard(scope.healthLogs),
      notifications: this.#guard(scope.notifications),
    });
  }

  /**
   * Runs `work` inside this transaction (a nested call joins it, as `db.transaction` does inside one).
   *
   * @example
   * await tx.transaction((inner) => createAdmin(inner, input));
   */
  async transaction<T>(work: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
    return runTransaction(this.entityManager(), work);
  }

  /**
   * The EntityManager the services and scopes run on: statements on it inside the function go to the
   * transaction's connection (the executor's held connection). @internal
   */
  entityManager(): SqlEntityManager {
    // Outside the function's async context (after it returned, or from work it started and did not
    // await) a statement would go to the pool and run beside the transaction, or, on SQLite, wait
    // for the one connection the transaction holds.
    if (!this.#open || !inTransaction(this.#em)) {
      throw new InvalidInputError(
        'db',
        'this transaction has ended, or it is used outside the function given to db.transaction: use tx only inside it',
      );
    }
    return this.#em;
  }

  /** @internal Called when the function has settled. */
  end(): void {
    this.#open = false;
  }

  #guard<R extends object>(repository: R): R {
    return new Proxy(repository, {
      get: (target, property) => {
        const value = Reflect.get(target, property, target);
        if (typeof value !== 'function' || property === 'constructor') return value;
        return (...args: unknown[]) => {
          try {
            this.entityManager();
          } catch (error) {
            return Promise.reject(error);
          }
          return Reflect.apply(value, target, args);
        };
      },
    });
  }
}

/**
 * Runs `work` in one transaction of `em`'s database (see {@link Database.transaction}).
 *
 * @example
 * await runTransaction(db.orm.em, async (tx) => createCompany(tx, { name }));
 */
export async function runTransaction<T>(
  em: SqlEntityManager,
  work: (tx: DatabaseTransaction) => Promise<T>,
): Promise<T> {
  if (typeof work !== 'function') throw new InvalidInputError('work', 'expected a function');
  // Inside a transaction already (an outer db.transaction, or the host's em.transactional): join it.
  // Not retried here: the database aborted the outer transaction, which only its owner can run again.
  if (inTransaction(em)) return runIn(em, work);
  const once = async (): Promise<T> => {
    let thrownByWork: { error: unknown } | undefined;
    try {
      return await transaction(
        em,
        async () => {
          try {
            return await runIn(em, work);
          } catch (error) {
            thrownByWork = { error };
            throw error;
          }
        },
        { retry: false },
      );
    } catch (error) {
      // The function's own errors come out as it threw them (the services' and scopes' are
      // OverlayDbError already); the transaction's own (the pool, begin, commit) are converted.
      if (thrownByWork !== undefined && thrownByWork.error === error) throw error;
      // An OverlayDbError (DATABASE_CLOSED from db.close(), …) comes out as it is.
      if (error instanceof OverlayDbError) throw error;
      throw convertError(em.getDriver().convertException(error as Error), 'The transaction');
    }
  };
  return retryTransient(once);
}

async function runIn<T>(em: SqlEntityManager, work: (tx: DatabaseTransaction) => Promise<T>): Promise<T> {
  const tx = new DatabaseTransaction(em);
  try {
    return await work(tx);
  } finally {
    tx.end();
  }
}
