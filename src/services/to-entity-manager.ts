import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import type { Database } from '../database/database.js';
import { Company } from '../entities/company.js';
import { InvalidInputError } from '../errors.js';

/**
 * What the helper services accept: an open {@link Database}, or an EntityManager of a host's own
 * MikroORM. An EntityManager inside `em.transactional(...)` keeps that transaction, so the service
 * commits or rolls back with the host's work.
 *
 * @example
 * await orm.em.transactional((em) => createAdmin(em, { companyId, email, password }));
 */
export type ServiceTarget = Database | EntityManager;

/**
 * Forks a fresh EntityManager from a {@link Database} or from a host's EntityManager. A fork
 * of an EntityManager that is inside a transaction keeps that transaction, so a service called
 * from a host's `em.transactional(...)` commits or rolls back with it. The services pass
 * `connectionType: 'write'` to their reads: each read decides a write, and a read replica may not
 * yet have the company, workflow or user created a moment before.
 *
 * @example
 * const em = toEntityManager(db); // or toEntityManager(orm.em)
 */
export function toEntityManager(target: ServiceTarget, options: { fork?: boolean } = {}): SqlEntityManager {
  const candidate = target as Partial<Database> & Partial<EntityManager>;
  // Without a fork (hand-written statements only, no entities loaded through it): the
  // Database's root EntityManager, or the caller's own (its transaction, if it is in one).
  const fork = options.fork ?? true;
  let em: EntityManager;
  if (typeof candidate?.fork === 'function' && typeof (candidate as Database).migrator === 'object') {
    em = fork ? (target as Database).fork() : (target as Database).orm.em;
  } else if (typeof candidate?.fork === 'function' && typeof candidate.getMetadata === 'function') {
    em = fork
      ? (target as EntityManager).fork({ clear: true, keepTransactionContext: true })
      : (target as EntityManager);
  } else {
    throw new InvalidInputError('db', 'expected a Database (from openDatabase) or a MikroORM EntityManager');
  }
  if (typeof (em as SqlEntityManager).createQueryBuilder !== 'function') {
    throw new InvalidInputError('db', 'the EntityManager must belong to a SQL driver (SQLite or PostgreSQL)');
  }
  if (!em.getMetadata().find(Company.meta.className)) {
    throw new InvalidInputError('db', "the EntityManager's MikroORM does not register the @overlay/db entities");
  }
  return em as SqlEntityManager;
}
