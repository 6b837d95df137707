import { EntityManager } from '@mikro-orm/core';
import { SqlEntityManager } from '@mikro-orm/sql';
import { Database } from '../database/database.js';
import { DatabaseTransaction } from '../database/transaction.js';
import { dialectOf } from '../dialects/dialect-of.js';
import { Company } from '../entities/company.js';
import { InvalidInputError } from '../errors.js';

/**
 * What the helper services accept: an open {@link Database}, the `tx` of its
 * {@link Database.transaction} (the service then commits or rolls back with the rest of it), or an
 * EntityManager of a host's own MikroORM. An EntityManager inside `em.transactional(...)` keeps that transaction, so the service
 * commits or rolls back with the host's work.
 *
 * @example
 * await orm.em.transactional((em) => createAdmin(em, { companyId, email, password }));
 */
export type ServiceTarget = Database | DatabaseTransaction | EntityManager;

/**
 * The EntityManager a service runs its statements on: a {@link Database}'s own, or the host's as
 * given. The services only run hand-written statements through the executor, on the primary (a
 * read replica may not yet have the company or user created a moment before), and never load
 * entities through it; given a host's EntityManager that is inside a transaction, they join it.
 *
 * @throws INVALID_INPUT (field `db`) for a `tx` whose transaction has ended, for anything else, an EntityManager of another driver, or one
 * whose MikroORM does not register this library's entities.
 * @example
 * const em = toEntityManager(db); // or toEntityManager(orm.em)
 */
export function toEntityManager(target: ServiceTarget): SqlEntityManager {
  let em: EntityManager;
  if (target instanceof Database) em = target.orm.em;
  else if (target instanceof DatabaseTransaction) return target.entityManager();
  else if (target instanceof EntityManager) em = target;
  else {
    throw new InvalidInputError(
      'db',
      'expected a Database (from openDatabase), its transaction, or a MikroORM EntityManager',
    );
  }
  if (!(em instanceof SqlEntityManager) || dialectOf(em.getPlatform()) === undefined) {
    throw new InvalidInputError('db', 'the EntityManager must belong to a SQL driver (SQLite or PostgreSQL)');
  }
  if (!em.getMetadata().find(Company)) {
    throw new InvalidInputError('db', "the EntityManager's MikroORM does not register the @overlay/db entities");
  }
  return em;
}
