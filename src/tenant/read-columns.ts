// The columns of each table that hand-written statements read for `mapRows`, named in the
// statement instead of `select *` / `returning *`. A prepared statement's result columns are fixed
// when it is prepared (PostgreSQL: once per connection, under a name), so with `*` a column added
// by another process (a newer release's migration during a rolling deploy, a DBA) would fail every
// call with "cached plan must not change result type" until the connection closed; a named list
// keeps the result the same, and a new column is simply not read. Exactly the columns `mapRows`
// maps for each entity (a test compares the two).

const READ_COLUMNS = {
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
  steps: [
    'id',
    'company_id',
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
  health_logs: [
    'id',
    'company_id',
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
  users: ['id', 'company_id', 'email', 'name', 'role', 'created_at', 'last_login_at'],
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
} as const satisfies Record<string, readonly string[]>;

/** A table whose rows hand-written statements read into entities. */
export type ReadTable = keyof typeof READ_COLUMNS;

const lists = new Map<string, string>();

/**
 * The column list a statement reads of `table`'s rows: `"id", "company_id", …`, or with `alias`
 * `w."id", w."company_id", …`.
 *
 * @example
 * const sql = `select ${readColumns('workflows')} from "workflows" where "id" = ? and "company_id" = ?`;
 */
export function readColumns(table: ReadTable, alias?: string): string {
  const key = alias === undefined ? table : `${table} ${alias}`;
  let list = lists.get(key);
  if (list === undefined) {
    const prefix = alias === undefined ? '' : `${alias}.`;
    list = READ_COLUMNS[table].map((column) => `${prefix}"${column}"`).join(', ');
    lists.set(key, list);
  }
  return list;
}

/**
 * The column names {@link readColumns} lists for `table`.
 *
 * @example
 * readColumnNames('screenshots').includes('hash'); // true
 */
export function readColumnNames(table: ReadTable): readonly string[] {
  return READ_COLUMNS[table];
}
