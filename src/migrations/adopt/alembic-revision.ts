import { NOTIFICATION_SEVERITIES } from '../../entities/notification.js';
import { USER_ROLES } from '../../entities/user.js';
import { WORKFLOW_STATUSES } from '../../entities/workflow.js';

/** The only Alembic revision of the Python backend that adopt takes over ("initial schema with all core tables"). */
export const ALEMBIC_REVISION = '0acd3e6b9445';

/**
 * The tables revision 0acd3e6b9445 created and their columns, parents before children (the
 * order our initial migration creates them in). Adopt refuses a database whose tables or
 * columns differ, since it could not carry every value over.
 */
export const ALEMBIC_TABLES = {
  companies: ['id', 'name', 'invite_token', 'settings', 'created_at'],
  users: ['id', 'company_id', 'email', 'password_hash', 'name', 'role', 'created_at', 'last_login_at'],
  workflows: [
    'id',
    'company_id',
    'created_by',
    'name',
    'description',
    'starting_url',
    'tags',
    'status',
    'success_rate',
    'total_uses',
    'consecutive_failures',
    'created_at',
    'updated_at',
    'last_successful_run',
    'last_failed_run',
  ],
  screenshots: [
    'id',
    'company_id',
    'workflow_id',
    'hash',
    'storage_key',
    'storage_url',
    'file_size',
    'width',
    'height',
    'format',
    'created_at',
  ],
  steps: [
    'id',
    'workflow_id',
    'screenshot_id',
    'edited_by',
    'step_number',
    'timestamp',
    'action_type',
    'selectors',
    'element_meta',
    'page_context',
    'action_data',
    'dom_context',
    'field_label',
    'instruction',
    'ai_confidence',
    'ai_model',
    'ai_generated_at',
    'label_edited',
    'instruction_edited',
    'edited_at',
    'healed_selectors',
    'healed_at',
    'healing_confidence',
    'healing_method',
    'created_at',
  ],
  notifications: [
    'id',
    'company_id',
    'workflow_id',
    'read_by',
    'type',
    'severity',
    'title',
    'message',
    'action_url',
    'read',
    'read_at',
    'created_at',
  ],
  health_logs: [
    'id',
    'workflow_id',
    'step_id',
    'user_id',
    'status',
    'error_type',
    'error_message',
    'healing_confidence',
    'deterministic_score',
    'ai_confidence',
    'candidates_evaluated',
    'page_state_hash',
    'page_url',
    'execution_time_ms',
    'created_at',
  ],
} as const satisfies Record<string, readonly string[]>;

/** A table of revision 0acd3e6b9445. */
export type AlembicTable = keyof typeof ALEMBIC_TABLES;

/** The tables of revision 0acd3e6b9445, parents first. */
export const ALEMBIC_TABLE_NAMES = Object.keys(ALEMBIC_TABLES) as AlembicTable[];

/** Alembic's own bookkeeping table. */
export const ALEMBIC_VERSION_TABLE = 'alembic_version';

/** Timestamp columns: TEXT `YYYY-MM-DD HH:MM:SS[.ffffff]` on SQLite, converted to ISO-8601 UTC. */
export const TIMESTAMP_COLUMNS: Record<AlembicTable, readonly string[]> = {
  companies: ['created_at'],
  users: ['created_at', 'last_login_at'],
  workflows: ['created_at', 'updated_at', 'last_successful_run', 'last_failed_run'],
  screenshots: ['created_at'],
  steps: ['ai_generated_at', 'edited_at', 'healed_at', 'created_at'],
  notifications: ['read_at', 'created_at'],
  health_logs: ['created_at'],
};

/** JSON kept as TEXT by the revision; `jsonb` in our PostgreSQL schema. */
export const JSON_COLUMNS: Partial<Record<AlembicTable, readonly { column: string; default?: string }[]>> = {
  companies: [{ column: 'settings', default: "'{}'" }],
  workflows: [{ column: 'tags', default: "'[]'" }],
  steps: [
    { column: 'selectors' },
    { column: 'element_meta' },
    { column: 'page_context' },
    { column: 'action_data' },
    { column: 'dom_context' },
    { column: 'healed_selectors' },
  ],
};

/** The revision's enums: PostgreSQL enum types (unchecked VARCHAR on SQLite); CHECK constraints in ours. */
export const ENUM_COLUMNS: readonly {
  table: AlembicTable;
  column: string;
  pgType: string;
  values: readonly string[];
  default?: string;
}[] = [
  { table: 'users', column: 'role', pgType: 'user_role', values: USER_ROLES },
  { table: 'workflows', column: 'status', pgType: 'workflow_status', values: WORKFLOW_STATUSES, default: "'draft'" },
  { table: 'notifications', column: 'severity', pgType: 'notification_severity', values: NOTIFICATION_SEVERITIES },
];

/** The tables the revision left without `company_id`; adopt fills it from each row's workflow. */
export const TENANT_BACKFILL_TABLES: readonly AlembicTable[] = ['steps', 'health_logs'];

/**
 * What the dialect modules need to know of revision 0acd3e6b9445 to check and convert its rows
 * (handed to them, so that they import nothing of the entities).
 *
 * @example
 * const tables: AlembicSchema['tableNames'] = ALEMBIC_SCHEMA.tableNames;
 */
export interface AlembicSchema {
  readonly revision: string;
  readonly tables: Readonly<Record<AlembicTable, readonly string[]>>;
  readonly tableNames: readonly AlembicTable[];
  readonly timestampColumns: Readonly<Record<AlembicTable, readonly string[]>>;
  readonly jsonColumns: typeof JSON_COLUMNS;
  readonly enumColumns: typeof ENUM_COLUMNS;
  readonly tenantBackfillTables: readonly AlembicTable[];
}

/**
 * Revision 0acd3e6b9445 as one object, for the adopt steps of the dialect modules.
 *
 * @example
 * await dialect.migrations.adoptTables(sql, ALEMBIC_SCHEMA, initialSchemaSql);
 */
export const ALEMBIC_SCHEMA: AlembicSchema = Object.freeze({
  revision: ALEMBIC_REVISION,
  tables: ALEMBIC_TABLES,
  tableNames: ALEMBIC_TABLE_NAMES,
  timestampColumns: TIMESTAMP_COLUMNS,
  jsonColumns: JSON_COLUMNS,
  enumColumns: ENUM_COLUMNS,
  tenantBackfillTables: TENANT_BACKFILL_TABLES,
});
