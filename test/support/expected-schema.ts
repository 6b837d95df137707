/**
 * SCHEMA.md as data: what a freshly migrated database must have on both dialects.
 * (Kept in the repo; the project never reads ../shared at test time.)
 */
export interface ExpectedColumn {
  name: string;
  nullable: boolean;
}
export interface ExpectedForeignKey {
  column: string;
  references: string;
  onDelete: 'CASCADE' | 'SET NULL';
}
export interface ExpectedTable {
  columns: ExpectedColumn[];
  foreignKeys: ExpectedForeignKey[];
  /** Column lists that must be unique (by a unique index or constraint on exactly these columns). */
  uniques: string[][];
  /** Column lists that must lead some index (beyond the FK columns, which are checked separately). */
  indexes: string[][];
}

const col = (spec: string): ExpectedColumn[] =>
  spec
    .trim()
    .split(/\s+/)
    .map((c) => ({ name: c.replace(/\?$/, ''), nullable: c.endsWith('?') }));

export const EXPECTED_SCHEMA: Record<string, ExpectedTable> = {
  companies: {
    columns: col('id name invite_token settings created_at'),
    foreignKeys: [],
    uniques: [['invite_token']],
    indexes: [],
  },
  users: {
    columns: col('id company_id email password_hash name? role created_at last_login_at?'),
    foreignKeys: [{ column: 'company_id', references: 'companies', onDelete: 'CASCADE' }],
    uniques: [['email']],
    indexes: [],
  },
  workflows: {
    columns: col(`id company_id created_by? name description? starting_url tags status success_rate total_uses
      consecutive_failures created_at updated_at last_successful_run? last_failed_run?`),
    foreignKeys: [
      { column: 'company_id', references: 'companies', onDelete: 'CASCADE' },
      { column: 'created_by', references: 'users', onDelete: 'SET NULL' },
    ],
    uniques: [],
    indexes: [['status'], ['company_id', 'status'], ['company_id', 'created_at']],
  },
  steps: {
    columns: col(`id company_id workflow_id screenshot_id? edited_by? step_number timestamp? action_type selectors
      element_meta page_context action_data? dom_context? field_label? instruction? ai_confidence? ai_model?
      ai_generated_at? label_edited instruction_edited edited_at? healed_selectors? healed_at? healing_confidence?
      healing_method? created_at`),
    foreignKeys: [
      { column: 'company_id', references: 'companies', onDelete: 'CASCADE' },
      { column: 'workflow_id', references: 'workflows', onDelete: 'CASCADE' },
      { column: 'screenshot_id', references: 'screenshots', onDelete: 'SET NULL' },
      { column: 'edited_by', references: 'users', onDelete: 'SET NULL' },
    ],
    uniques: [['workflow_id', 'step_number']],
    indexes: [],
  },
  screenshots: {
    columns: col('id company_id workflow_id hash storage_key storage_url file_size? width? height? format created_at'),
    foreignKeys: [
      { column: 'company_id', references: 'companies', onDelete: 'CASCADE' },
      { column: 'workflow_id', references: 'workflows', onDelete: 'CASCADE' },
    ],
    uniques: [['company_id', 'hash']],
    indexes: [],
  },
  health_logs: {
    columns: col(`id company_id workflow_id step_id? user_id status error_type? error_message? healing_confidence?
      deterministic_score? ai_confidence? candidates_evaluated? page_state_hash? page_url? execution_time_ms? created_at`),
    foreignKeys: [
      { column: 'company_id', references: 'companies', onDelete: 'CASCADE' },
      { column: 'workflow_id', references: 'workflows', onDelete: 'CASCADE' },
      { column: 'step_id', references: 'steps', onDelete: 'SET NULL' },
      { column: 'user_id', references: 'users', onDelete: 'CASCADE' },
    ],
    uniques: [],
    indexes: [['workflow_id', 'created_at'], ['status']],
  },
  notifications: {
    columns: col(`id company_id workflow_id? read_by? type severity title message? action_url? read read_at?
      created_at`),
    foreignKeys: [
      { column: 'company_id', references: 'companies', onDelete: 'CASCADE' },
      { column: 'workflow_id', references: 'workflows', onDelete: 'CASCADE' },
      { column: 'read_by', references: 'users', onDelete: 'SET NULL' },
    ],
    uniques: [],
    indexes: [['company_id', 'read', 'created_at']],
  },
};

/** Defaults SCHEMA.md names, as a predicate over the introspected default text. */
export const EXPECTED_DEFAULTS: Record<string, Record<string, (text: string | null) => boolean>> = {
  companies: { settings: (d) => /\{\}/.test(d ?? ''), created_at: isNow },
  users: { created_at: isNow },
  workflows: {
    tags: (d) => /\[\]/.test(d ?? ''),
    status: (d) => /draft/.test(d ?? ''),
    success_rate: (d) => /^'?0(\.0+)?'?(::double precision)?$/.test(d ?? ''),
    total_uses: (d) => /^'?0'?$/.test(d ?? ''),
    consecutive_failures: (d) => /^'?0'?$/.test(d ?? ''),
    created_at: isNow,
    updated_at: isNow,
  },
  steps: { label_edited: isFalse, instruction_edited: isFalse, created_at: isNow },
  screenshots: { format: (d) => /jpeg/.test(d ?? ''), created_at: isNow },
  health_logs: { created_at: isNow },
  notifications: { read: isFalse, created_at: isNow },
};

function isNow(d: string | null): boolean {
  return /current_timestamp|now\(\)|strftime/i.test(d ?? '');
}
function isFalse(d: string | null): boolean {
  return /^(false|'?0'?)$/i.test(d ?? '');
}
