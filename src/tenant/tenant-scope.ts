import type { HealthLogRepository } from './health-log-repository.js';
import type { NotificationRepository } from './notification-repository.js';
import type { ScreenshotRepository } from './screenshot-repository.js';
import type { StepRepository } from './step-repository.js';
import type { UserRepository } from './user-repository.js';
import type { WorkflowRepository } from './workflow-repository.js';

/**
 * The data of one company, and nothing else: repositories whose every read carries the
 * company predicate and whose every write stamps and checks `company_id`. It exposes no
 * EntityManager and no QueryBuilder. Get one from `db.forCompany(companyId)` or
 * `createTenantScope(em, companyId)`.
 *
 * @example
 * const t = db.forCompany(companyId);
 * const { items } = await t.workflows.list({ status: 'active' });
 */
export interface TenantScope {
  /** The company this scope reads and writes. */
  readonly companyId: number;
  readonly workflows: WorkflowRepository;
  readonly steps: StepRepository;
  readonly screenshots: ScreenshotRepository;
  readonly users: UserRepository;
  readonly healthLogs: HealthLogRepository;
  readonly notifications: NotificationRepository;
}
