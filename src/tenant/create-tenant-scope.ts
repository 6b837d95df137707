import type { EntityManager } from '@mikro-orm/core';
import type { SqlEntityManager } from '@mikro-orm/sql';
import { requireDialect } from '../dialects/dialect-of.js';
import { Workflow } from '../entities/workflow.js';
import { InvalidInputError } from '../errors.js';
import { usesRowLevelSecurity } from '../security/row-level-security-flag.js';
import { runCallsInTransactions } from '../security/run-calls-in-transactions.js';
import { assertCompanyId } from './assert-company-id.js';
import { healthLogRepository } from './health-log-repository.js';
import { notificationRepository } from './notification-repository.js';
import { ScopeContext } from './scope-context.js';
import { screenshotRepository } from './screenshot-repository.js';
import { stepRepository } from './step-repository.js';
import type { TenantScope } from './tenant-scope.js';
import { userRepository } from './user-repository.js';
import { workflowRepository } from './workflow-repository.js';

/**
 * Builds the tenant scope of one company on a MikroORM EntityManager (SQLite or PostgreSQL,
 * with this library's entities registered). The scope runs hand-written statements on `em`'s
 * connections (never its entity API or identity map), never hands out an EntityManager or
 * QueryBuilder, and never reads, changes or references another company's rows. TENANT_REQUIRED
 * unless `companyId` is a positive integer id (at most 2,147,483,647). If `em` is inside a
 * transaction, the scope's work joins it. On a host's own SQLite connection each call first turns
 * foreign keys on and raises a busy timeout below the default to it, as every call of the executor
 * does there (INVALID_INPUT, field `em`, when foreign keys are off inside a transaction, where
 * SQLite cannot turn them on).
 *
 * @example
 * const t = createTenantScope(orm.em.fork(), companyId);
 * const wf = await t.workflows.get(12); // null when 12 is another company's
 */
export function createTenantScope(em: EntityManager, companyId: number): TenantScope {
  const id = assertCompanyId(companyId);
  const sqlEm = requireSqlEntityManager(em);
  const ctx = new ScopeContext(sqlEm, id, { rowLevelSecurity: usesRowLevelSecurity(sqlEm) });
  // Under row-level security every call, reads included, runs in a transaction that sets the tenant.
  const wrap = <T extends object>(repository: T): T =>
    ctx.rowLevelSecurity ? runCallsInTransactions(ctx, repository) : repository;
  return Object.freeze({
    companyId: id,
    workflows: wrap(workflowRepository(ctx)),
    steps: wrap(stepRepository(ctx)),
    screenshots: wrap(screenshotRepository(ctx)),
    users: wrap(userRepository(ctx)),
    healthLogs: wrap(healthLogRepository(ctx)),
    notifications: wrap(notificationRepository(ctx)),
  });
}

function requireSqlEntityManager(em: unknown): SqlEntityManager {
  const candidate = em as Partial<SqlEntityManager> | null;
  if (
    typeof candidate !== 'object' ||
    candidate === null ||
    typeof candidate.getConnection !== 'function' ||
    typeof candidate.getTransactionContext !== 'function' ||
    typeof candidate.getPlatform !== 'function' ||
    typeof candidate.getMetadata !== 'function'
  ) {
    throw new InvalidInputError('em', 'expected a MikroORM EntityManager of a SQL driver (SQLite or PostgreSQL)');
  }
  requireDialect(candidate.getPlatform(), 'em');
  const meta = candidate.getMetadata().find(Workflow);
  if (meta?.tableName !== 'workflows') {
    throw new InvalidInputError('em', "this EntityManager's ORM does not register the library's entities");
  }
  return candidate as SqlEntityManager;
}
