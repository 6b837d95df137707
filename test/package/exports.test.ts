// The public surface of '@overlay/db', snapshotted: adding, renaming or removing a public name is
// a deliberate diff of this file (`npx vitest run test/package -u` rewrites the snapshots).
// Not a database test, so it runs once rather than per dialect.
import { fileURLToPath } from 'node:url';
import ts from 'typescript';
import { describe, expect, it } from 'vitest';

const INDEX = fileURLToPath(new URL('../../src/index.ts', import.meta.url));

describe('the public surface of src/index.ts', () => {
  it('exports these runtime names', async () => {
    const names = Object.keys(await import('../../src/index.js')).sort();
    expect(names).toMatchInlineSnapshot(`
      [
        "ACTION_TYPES",
        "BCRYPT_COST",
        "Company",
        "CrossTenantReferenceError",
        "DEFAULT_BROKEN_AFTER_FAILURES",
        "DEFAULT_BUSY_TIMEOUT_MS",
        "DEFAULT_CLOSE_TIMEOUT_MS",
        "DEFAULT_DATABASE_URL",
        "DEFAULT_NOTIFICATION_SEVERITY",
        "DEFAULT_POOL",
        "Database",
        "DatabaseClosedError",
        "DatabaseError",
        "DuplicateEmailError",
        "EMAIL_MAX_LENGTH",
        "FAILED_RUNS_INDEX_MIGRATION",
        "HEALING_METHODS",
        "HEALING_REVIEW_CONFIDENCE",
        "HEALING_TRUSTED_CONFIDENCE",
        "HEALTH_ERROR_TYPES",
        "HEALTH_STATUSES",
        "HEALTH_SUMMARY_INDEX_MIGRATION",
        "HealthLog",
        "INITIAL_MIGRATION",
        "InvalidCredentialsError",
        "InvalidDatabaseUrlError",
        "InvalidInputError",
        "InvalidInviteTokenError",
        "LIMITS",
        "MIGRATIONS_TABLE",
        "MigrationError",
        "MigrationRunner",
        "NOTIFICATION_SEVERITIES",
        "NOTIFICATION_TYPES",
        "NotFoundError",
        "Notification",
        "OVERLAY_DB_TABLES",
        "OverlayDbError",
        "PASSWORD_MAX_BYTES",
        "PASSWORD_MIN_LENGTH",
        "PreparedStatementsUnsupportedError",
        "RLS_TENANT_TABLES",
        "SCREENSHOT_FORMATS",
        "SCREENSHOT_HASH_PATTERN",
        "SchemaDriftError",
        "Screenshot",
        "Step",
        "TenantRequiredError",
        "USER_ROLES",
        "User",
        "UtcDateTimeType",
        "WORKFLOW_STATUSES",
        "WORKFLOW_STATUS_TRANSITIONS",
        "Workflow",
        "assertStatusTransition",
        "authenticate",
        "authenticateOrFail",
        "canTransitionStatus",
        "createAdmin",
        "createCompany",
        "createMigrationRunner",
        "createTenantScope",
        "dedupeScreenshot",
        "enableRowLevelSecurity",
        "entities",
        "hostMigrationsConfig",
        "joinCompany",
        "migrationsFor",
        "normalizeEmail",
        "openDatabase",
        "parseDatabaseUrl",
        "readImageHeader",
        "redactDatabaseUrl",
        "replicaStatus",
        "rotateInviteToken",
        "rowLevelSecuritySql",
        "screenshotHash",
        "screenshotStorageKey",
        "validatePassword",
      ]
    `);
  });

  it('exports these types (type-only names included)', () => {
    const program = ts.createProgram([INDEX], {
      module: ts.ModuleKind.NodeNext,
      moduleResolution: ts.ModuleResolutionKind.NodeNext,
      target: ts.ScriptTarget.ES2022,
      skipLibCheck: true,
      noEmit: true,
    });
    const checker = program.getTypeChecker();
    const source = program.getSourceFile(INDEX);
    const moduleSymbol = source && checker.getSymbolAtLocation(source);
    if (!moduleSymbol) throw new Error('src/index.ts is not a module');
    const typeOnly = checker
      .getExportsOfModule(moduleSymbol)
      .filter((s) => {
        const target = s.flags & ts.SymbolFlags.Alias ? checker.getAliasedSymbol(s) : s;
        return !(target.flags & ts.SymbolFlags.Value);
      })
      .map((s) => s.name)
      .sort();
    expect(typeOnly).toMatchInlineSnapshot(`
      [
        "ActionType",
        "AdoptResult",
        "ApplyLabelsResult",
        "AuthenticateInput",
        "CloseOptions",
        "CompanySettings",
        "CreateAdminInput",
        "CreateCompanyInput",
        "DedupeScreenshotInput",
        "DedupeScreenshotResult",
        "Dialect",
        "FailingStep",
        "HealingMethod",
        "HealthErrorType",
        "HealthLogPage",
        "HealthStatus",
        "HealthSummary",
        "HealthWindow",
        "HostSchemaGeneratorOptions",
        "ImageHeader",
        "JoinCompanyInput",
        "ListHealthLogsOptions",
        "ListNotificationsOptions",
        "MigrationEntry",
        "MigrationRunnerOptions",
        "MigrationStatus",
        "NotificationInput",
        "NotificationPage",
        "NotificationSeverity",
        "NotificationType",
        "OpenDatabaseOptions",
        "OverlayDbErrorCode",
        "ParsedDatabaseUrl",
        "PostgresqlUrl",
        "PublicUser",
        "QueryEvent",
        "QueryHook",
        "RecordRunInput",
        "RecordRunResult",
        "ReplicaStatus",
        "RowLevelSecurityOptions",
        "SchemaCheck",
        "ScreenshotBytesInput",
        "ScreenshotFormat",
        "ScreenshotHashInput",
        "ScreenshotInputBase",
        "ScreenshotKeyParts",
        "ServiceTarget",
        "SqliteDriverName",
        "SslMode",
        "StepActionData",
        "StepDomContext",
        "StepElementMeta",
        "StepHealedSelectors",
        "StepInput",
        "StepLabel",
        "StepPageContext",
        "StepPatch",
        "StepSelectors",
        "StepUpdateOptions",
        "TenantScope",
        "UserRole",
        "WorkflowCreateInput",
        "WorkflowListOptions",
        "WorkflowPage",
        "WorkflowPatch",
        "WorkflowStatus",
        "WorkflowSummary",
        "WorkflowWithSteps",
      ]
    `);
  });
});
