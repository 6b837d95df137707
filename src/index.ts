// The public surface. Explicit named exports only: a new public name is a deliberate change
// (test/exports.test.ts snapshots this list).

export {
  FAILED_RUNS_INDEX_MIGRATION,
  HEALTH_SUMMARY_INDEX_MIGRATION,
  INITIAL_MIGRATION,
  type MigrationEntry,
  migrationsFor,
} from '../migrations/index.js';
export { Database } from './database/database.js';
export { openDatabase } from './database/open-database.js';
export type { Dialect, OpenDatabaseOptions } from './database/options.js';
export { DEFAULT_BUSY_TIMEOUT_MS, DEFAULT_POOL, MIGRATIONS_TABLE } from './database/options.js';
export type { ParsedDatabaseUrl, PostgresqlUrl, SslMode } from './database/parse-database-url.js';
export { DEFAULT_DATABASE_URL, parseDatabaseUrl, redactDatabaseUrl } from './database/parse-database-url.js';
export type { QueryEvent, QueryHook } from './database/query-hook.js';
export { type CloseOptions, DEFAULT_CLOSE_TIMEOUT_MS } from './database/shutdown.js';
export type { DatabaseTransaction } from './database/transaction.js';
export type { SqliteDriverName } from './dialects/sqlite/open-sqlite.js';
export type { CompanySettings } from './entities/company.js';
export { HEALTH_ERROR_TYPES, HEALTH_STATUSES, type HealthErrorType, type HealthStatus } from './entities/health-log.js';
export { Company, entities, HealthLog, Notification, Screenshot, Step, User, Workflow } from './entities/index.js';
export {
  NOTIFICATION_SEVERITIES,
  NOTIFICATION_TYPES,
  type NotificationSeverity,
  type NotificationType,
} from './entities/notification.js';
export { SCREENSHOT_FORMATS, type ScreenshotFormat } from './entities/screenshot.js';
export {
  ACTION_TYPES,
  type ActionType,
  HEALING_METHODS,
  type HealingMethod,
  type StepActionData,
  type StepDomContext,
  type StepElementMeta,
  type StepHealedSelectors,
  type StepPageContext,
  type StepSelectors,
} from './entities/step.js';
export { USER_ROLES, type UserRole } from './entities/user.js';
export { WORKFLOW_STATUSES, type WorkflowStatus } from './entities/workflow.js';
export {
  CrossTenantReferenceError,
  DatabaseClosedError,
  DatabaseError,
  DuplicateEmailError,
  InvalidCredentialsError,
  InvalidDatabaseUrlError,
  InvalidInputError,
  InvalidInviteTokenError,
  MigrationError,
  NotFoundError,
  OverlayDbError,
  type OverlayDbErrorCode,
  PreparedStatementsUnsupportedError,
  SchemaDriftError,
  TenantRequiredError,
} from './errors.js';
export { type ReplicaStatus, replicaStatus } from './executor/replica-routing.js';
export type { AdoptResult } from './migrations/adopt.js';
export {
  type HostSchemaGeneratorOptions,
  hostMigrationsConfig,
  OVERLAY_DB_TABLES,
} from './migrations/host-config.js';
export {
  createMigrationRunner,
  MigrationRunner,
  type MigrationRunnerOptions,
  type MigrationStatus,
} from './migrations/migration-runner.js';
export type { SchemaCheck } from './migrations/schema-check.js';
export { UtcDateTimeType } from './types/utc-datetime-type.js';
export { LIMITS } from './validation/limits.js';

// --- tenant scope (src/tenant) ---

export { createTenantScope } from './tenant/create-tenant-scope.js';
export type { ScreenshotRepository } from './tenant/screenshot-repository.js';
export type { StepInput } from './tenant/step-input.js';
export type { StepPatch, StepUpdateOptions } from './tenant/step-patch.js';
export type { StepRepository } from './tenant/step-repository.js';
export type { TenantScope } from './tenant/tenant-scope.js';
export type { PublicUser, UserRepository } from './tenant/user-repository.js';
export type { WorkflowCreateInput } from './tenant/workflow-create-input.js';
export type { WorkflowListOptions } from './tenant/workflow-list-query.js';
export type { WorkflowPatch } from './tenant/workflow-patch.js';
export type {
  WorkflowPage,
  WorkflowRepository,
  WorkflowSummary,
  WorkflowWithSteps,
} from './tenant/workflow-repository.js';

// --- run lifecycle (src/lifecycle) ---

export type { ApplyLabelsResult, StepLabel } from './lifecycle/apply-labels.js';
export {
  DEFAULT_BROKEN_AFTER_FAILURES,
  HEALING_REVIEW_CONFIDENCE,
  HEALING_TRUSTED_CONFIDENCE,
} from './lifecycle/health-rules.js';
export type { FailingStep, HealthSummary, HealthWindow } from './lifecycle/health-summary.js';
export type { ListNotificationsOptions } from './lifecycle/list-notifications.js';
export type { RecordRunInput, RecordRunResult } from './lifecycle/record-run.js';
export {
  assertStatusTransition,
  canTransitionStatus,
  WORKFLOW_STATUS_TRANSITIONS,
} from './lifecycle/status-transitions.js';
export type { HealthLogPage, HealthLogRepository, ListHealthLogsOptions } from './tenant/health-log-repository.js';
export {
  DEFAULT_NOTIFICATION_SEVERITY,
  type NotificationInput,
  type NotificationPage,
  type NotificationRepository,
} from './tenant/notification-repository.js';
// (end of run lifecycle: this detached comment keeps Biome from sorting it into the next section)

// --- services (src/services) ---
export { type AuthenticateInput, authenticate, authenticateOrFail } from './services/authenticate.js';
export { type CreateAdminInput, createAdmin } from './services/create-admin.js';
export { type CreateCompanyInput, createCompany } from './services/create-company.js';
export {
  type DedupeScreenshotInput,
  type DedupeScreenshotResult,
  dedupeScreenshot,
  type ScreenshotBytesInput,
  type ScreenshotHashInput,
  type ScreenshotInputBase,
} from './services/dedupe-screenshot.js';
export { BCRYPT_COST } from './services/hash-password.js';
export { type ImageHeader, readImageHeader } from './services/image-header.js';
export { type JoinCompanyInput, joinCompany } from './services/join-company.js';
export { EMAIL_MAX_LENGTH, normalizeEmail } from './services/normalize-email.js';
export { rotateInviteToken } from './services/rotate-invite-token.js';
export { SCREENSHOT_HASH_PATTERN, screenshotHash } from './services/screenshot-hash.js';
export { type ScreenshotKeyParts, screenshotStorageKey } from './services/screenshot-storage-key.js';
export type { ServiceTarget } from './services/to-entity-manager.js';
export { PASSWORD_MAX_BYTES, PASSWORD_MIN_LENGTH, validatePassword } from './services/validate-password.js';

// --- cli and adopt (src/cli, src/migrations/adopt) ---

// --- reliability and security (src/security, src/reliability) ---
export { enableRowLevelSecurity } from './security/enable-row-level-security.js';
export {
  RLS_TENANT_TABLES,
  type RowLevelSecurityOptions,
  rowLevelSecuritySql,
} from './security/row-level-security-sql.js';
