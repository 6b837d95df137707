// Builds the benchmark's data set with set-based SQL on the raw driver (generate_series on
// PostgreSQL, a recursive CTE on SQLite), so a million rows load in seconds, not hours.
// Tenants are interleaved: workflow i belongs to company ((i - 1) % companies) + 1, the worst
// case for a tenant's locality.
import type { RawDriver } from './raw-driver.js';

export interface DatasetSpec {
  companies: number;
  workflowsPerCompany: number;
  /** Steps of every workflow (small JSON); the bench workflow gets 50. */
  stepsPerWorkflow: number;
  notificationsPerCompany: number;
  /** Health logs on the summary workflow of the bench company, spread over 60 days. */
  healthLogs: number;
  /** Days the health logs are spread over (default 60). */
  healthLogDays?: number;
  /** Screenshots of the bench company (the duplicates of dedupe-screenshot). */
  screenshots: number;
}

/** Ids the operations work on; workflows and users have the ids the inserts below give them. */
export interface DatasetIds {
  companyId: number;
  userId: number;
  /** The bench company's first workflow: 50 steps and the health logs. */
  bigWorkflowId: number;
  /** The workflow record-run records on. */
  runWorkflowId: number;
  screenshotHashes: string[];
}

export function datasetIds(spec: DatasetSpec): DatasetIds {
  const companyId = Math.max(1, Math.floor(spec.companies / 2));
  return {
    companyId,
    userId: companyId,
    bigWorkflowId: companyId,
    runWorkflowId: companyId + spec.companies,
    screenshotHashes: Array.from({ length: spec.screenshots }, (_, i) => hashOf(i + 1)),
  };
}

/** `sha256:` and 64 hex digits made from `n` (what the seed SQL writes). */
export function hashOf(n: number): string {
  return `sha256:${n.toString(16).padStart(64, '0')}`;
}

const BATCH = 200_000;

/** Loads the data set into a freshly migrated, empty database. */
export async function seed(
  db: RawDriver,
  spec: DatasetSpec,
  log: (line: string) => void = () => undefined,
): Promise<void> {
  const pgsql = db.dialect === 'postgresql';
  const ids = datasetIds(spec);
  const C = spec.companies;
  const totalWorkflows = C * spec.workflowsPerCompany;
  const ago = (secondsExpr: string) =>
    pgsql
      ? `now() - make_interval(secs => ${secondsExpr})`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || (${secondsExpr}) || ' seconds')`;
  const json = pgsql ? 'jsonb_build_object' : 'json_object';
  const md5 = (expr: string) => (pgsql ? `md5(${expr}::text)` : `lower(hex(randomblob(16)))`);
  const pad = (expr: string, n: number) => (pgsql ? `repeat('x', ${expr})` : `substr('${'x'.repeat(n)}', 1, ${expr})`);
  const trueish = pgsql ? 'true' : '1';
  const falseish = pgsql ? 'false' : '0';

  /** Runs `insert into … select <select> from <series i in [from, to]>` in batches, each in one transaction. */
  async function fill(label: string, count: number, insert: string, select: string): Promise<void> {
    const t0 = Date.now();
    for (let from = 1; from <= count; from += BATCH) {
      const to = Math.min(count, from + BATCH - 1);
      const sql = pgsql
        ? `${insert} select ${select} from generate_series(${from}, ${to}) as g(i)`
        : `with recursive g(i) as (select ${from} union all select i + 1 from g where i < ${to}) ${insert} select ${select} from g`;
      await db.exec('begin');
      await db.exec(sql);
      await db.exec('commit');
    }
    log(`  ${label}: ${count.toLocaleString('en-US')} rows in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }

  await fill(
    'companies',
    C,
    'insert into "companies" ("name", "invite_token", "settings", "created_at")',
    `'Company ' || i, 'invite-token-' || i, '{}', ${ago('i')}`,
  );
  await fill(
    'users',
    C,
    'insert into "users" ("company_id", "email", "password_hash", "name", "role", "created_at")',
    `i, 'admin' || i || '@example.test', 'not-a-hash', 'Admin ' || i, 'admin', ${ago('i')}`,
  );
  await fill(
    'workflows',
    totalWorkflows,
    'insert into "workflows" ("company_id", "created_by", "name", "description", "starting_url", "tags", "status", ' +
      '"success_rate", "total_uses", "consecutive_failures", "created_at", "updated_at")',
    `((i - 1) % ${C}) + 1, ((i - 1) % ${C}) + 1, 'Workflow ' || i, 'Recorded flow number ' || i, ` +
      `'https://app.example.test/flows/' || i, '["billing","daily"]', 'active', 0.9, 10, 0, ` +
      `${ago(`${totalWorkflows} - i + 100`)}, ${ago(`${totalWorkflows} - i + 100`)}`,
  );
  const stepColumns =
    'insert into "steps" ("company_id", "workflow_id", "step_number", "timestamp", "action_type", "selectors", ' +
    '"element_meta", "page_context", "action_data", "label_edited", "instruction_edited", "created_at")';
  const stepPayload = (n: string) =>
    `${json}('primary', '#field-' || ${n}, 'css', 'form.checkout > div:nth-child(' || ${n} || ') > input', ` +
    `'xpath', '/html/body/main/form/div[' || ${n} || ']/input', 'data_testid', 'field-' || ${n}, ` +
    `'stable_attrs', ${json}('name', 'field' || ${n}, 'autocomplete', 'on')), ` +
    `${json}('tag_name', 'input', 'role', 'textbox', 'type', 'text', 'name', 'field' || ${n}, 'aria_label', ${pad(`(${n} % 300) + 1`, 300)}), ` +
    `${json}('url', 'https://app.example.test/checkout', 'title', 'Checkout', 'viewport', ${json}('width', 1280, 'height', 800), 'page_state_hash', ${md5(n)}), ` +
    `${json}('input_value', 'value ' || ${n}, 'click_coordinates', ${json}('x', 100, 'y', 200))`;
  const S = spec.stepsPerWorkflow;
  await fill(
    'steps',
    totalWorkflows * S,
    stepColumns,
    `((((i - 1) / ${S}) + 1 - 1) % ${C}) + 1, ((i - 1) / ${S}) + 1, ((i - 1) % ${S}) + 1, '2025-01-01T00:00:00Z', 'click', ` +
      `${stepPayload('i')}, ${falseish}, ${falseish}, ${ago('100')}`,
  );
  await fill(
    'steps of the bench workflow',
    50 - S,
    stepColumns,
    `${ids.companyId}, ${ids.bigWorkflowId}, ${S} + i, '2025-01-01T00:00:00Z', 'input_commit', ${stepPayload('i')}, ${falseish}, ${falseish}, ${ago('100')}`,
  );
  // Round r of the companies writes one notification to each; odd rounds are read, so every
  // company has half its notifications unread, interleaved in time.
  await fill(
    'notifications',
    C * spec.notificationsPerCompany,
    'insert into "notifications" ("company_id", "workflow_id", "type", "severity", "title", "message", "read", "created_at")',
    `((i - 1) % ${C}) + 1, ((i - 1) % ${C}) + 1, 'workflow_broken', 'error', 'Workflow ' || i || ' is broken', ` +
      `'It failed 3 runs in a row.', case when ((i - 1) / ${C}) % 2 = 1 then ${trueish} else ${falseish} end, ${ago('i')}`,
  );
  const firstStep = (
    await db.all('select min("id") as id from "steps" where "workflow_id" = ?', [ids.bigWorkflowId])
  )[0].id as number;
  const span = (spec.healthLogDays ?? 60) * 24 * 3600;
  await fill(
    'health logs',
    spec.healthLogs,
    'insert into "health_logs" ("company_id", "workflow_id", "step_id", "user_id", "status", "error_type", "execution_time_ms", "created_at")',
    `${ids.companyId}, ${ids.bigWorkflowId}, case when i % 10 = 0 then ${firstStep} + (i % 5) else null end, ${ids.userId}, ` +
      `case when i % 10 = 0 then 'failed' when i % 10 = 1 then 'healed_deterministic' else 'success' end, ` +
      `case when i % 10 = 0 then 'timeout' else null end, 1000 + (i % 5000), ${ago(pgsql ? `(i::bigint * ${span}) / ${spec.healthLogs}` : `(i * ${span}) / ${spec.healthLogs}`)}`,
  );
  // Every other workflow has run too (one log each, spread over the same days), so the
  // statistics see many workflows and an even history.
  await fill(
    'health logs of the other workflows',
    totalWorkflows,
    'insert into "health_logs" ("company_id", "workflow_id", "user_id", "status", "execution_time_ms", "created_at")',
    `((i - 1) % ${C}) + 1, i, ((i - 1) % ${C}) + 1, case when i % 7 = 0 then 'failed' else 'success' end, 1000, ` +
      `${ago(pgsql ? `(i::bigint * ${span}) / ${totalWorkflows}` : `(i * ${span}) / ${totalWorkflows}`)}`,
  );
  const hex = pgsql ? `lpad(to_hex(i), 64, '0')` : `printf('%064x', i)`;
  await fill(
    'screenshots',
    spec.screenshots,
    'insert into "screenshots" ("company_id", "workflow_id", "hash", "storage_key", "storage_url", "file_size", "width", "height", "format", "created_at")',
    `${ids.companyId}, ${ids.bigWorkflowId}, 'sha256:' || ${hex}, 'companies/${ids.companyId}/s/' || i || '.png', ` +
      `'companies/${ids.companyId}/s/' || i || '.png', 1000, 1280, 800, 'png', ${ago('i')}`,
  );
  // Every workflow has a screenshot too (its own hash, far from the bench company's), so the table is
  // as large as a tenant's data makes it. With the bench company's 200 rows alone, PostgreSQL
  // planned a prepared lookup by (company, hash) as a scan of the whole table, cheaper on two
  // pages, and kept that plan while the dedupe calls grew the table to thousands of rows within
  // the operation's half minute (before any ANALYZE): 0.04 ms a lookup rising to 0.3 ms, on
  // whichever side happened to plan it so (2026-12-03).
  const otherHex = pgsql ? `lpad(to_hex(i + ${2 ** 40}), 64, '0')` : `printf('%064x', i + ${2 ** 40})`;
  await fill(
    'screenshots of every workflow',
    totalWorkflows,
    'insert into "screenshots" ("company_id", "workflow_id", "hash", "storage_key", "storage_url", "file_size", "width", "height", "format", "created_at")',
    `((i - 1) % ${C}) + 1, i, 'sha256:' || ${otherHex}, 'companies/' || (((i - 1) % ${C}) + 1) || '/w/' || i || '.png', ` +
      `'companies/' || (((i - 1) % ${C}) + 1) || '/w/' || i || '.png', 1000, 1280, 800, 'png', ${ago('i')}`,
  );
  await db.exec('analyze');
}
