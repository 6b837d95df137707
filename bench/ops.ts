// The hot operations, each as the library's public call and the fastest hand-written
// equivalent on a raw driver, doing the same work with the same guarantees: the same
// transaction boundaries, the same company checks, the same SQL semantics, and the same
// result (rows turned into objects with parsed JSON, Dates and booleans, as a caller needs them,
// with each list row's step count and the page's cursor). The peers' versions are in
// kysely-ops.ts and drizzle-ops.ts.
import { randomBytes } from 'node:crypto';
import type { DatasetIds } from './dataset.js';
import { type Database, dedupeScreenshot, type StepInput } from './library.js';
import type { RawDriver, Row } from './raw-driver.js';

/** The eight operations, in the order the bench runs them. */
export const OPERATION_NAMES = [
  'create-workflow-50-steps',
  'create-workflow-500-steps',
  'list-workflows-50',
  'get-workflow-with-50-steps',
  'dedupe-screenshot',
  'record-run',
  'notifications-unread-50',
  'health-summary',
] as const;
export type OperationName = (typeof OPERATION_NAMES)[number];

/**
 * Calls per timed batch: each batch runs for tens of milliseconds (a few on the cheapest
 * operation), so that it measures its side rather than what the side before it left behind.
 * With batches of about a millisecond (a tenth of these), the figure of the side that ran after
 * Kysely or Drizzle carried their garbage and a cold cache: SQLite record-run measured the
 * library at 196 µs against 154 µs with these batches (raw better-sqlite3 137 µs both ways,
 * 2026-12-03, load 1.0-1.25).
 */
export const PER_ROUND: Record<OperationName, number> = {
  'create-workflow-50-steps': 40,
  'create-workflow-500-steps': 10,
  'list-workflows-50': 100,
  'get-workflow-with-50-steps': 100,
  'dedupe-screenshot': 100,
  'record-run': 100,
  'notifications-unread-50': 100,
  'health-summary': 50,
};

/** One side's implementation of every operation; `i` is a fresh index per call. */
export type OperationSet = Record<OperationName, (i: number) => Promise<unknown>>;

export const WORKFLOW_JSON = ['tags'];
export const WORKFLOW_DATES = ['created_at', 'updated_at', 'last_successful_run', 'last_failed_run'];
export const STEP_JSON = [
  'selectors',
  'element_meta',
  'page_context',
  'action_data',
  'dom_context',
  'healed_selectors',
];
export const STEP_DATES = ['ai_generated_at', 'edited_at', 'healed_at', 'created_at'];
export const STEP_BOOLEANS = ['label_edited', 'instruction_edited'];

/** What a hand-written data layer does with a row: JSON parsed, timestamps as Dates, booleans as booleans. */
export function mapRow(
  dialect: RawDriver['dialect'],
  row: Row,
  json: string[],
  dates: string[],
  booleans: string[] = [],
): Row {
  for (const c of dates) {
    const v = row[c];
    if (v != null && !(v instanceof Date)) row[c] = new Date(v);
  }
  if (dialect === 'sqlite') {
    for (const c of json) if (typeof row[c] === 'string') row[c] = JSON.parse(row[c]);
    for (const c of booleans) if (row[c] != null) row[c] = row[c] === 1;
  }
  return row;
}

const ACTIONS = ['click', 'input_commit', 'select_change', 'submit', 'navigate'] as const;

/** A recorded step whose JSON payloads add up to 300–800 bytes. */
export function makeStep(n: number): StepInput {
  const pad = 'x'.repeat((n * 37) % 400);
  return {
    timestamp: '2026-01-01T10:00:00.000Z',
    actionType: ACTIONS[n % ACTIONS.length],
    selectors: {
      primary: `#field-${n}`,
      css: `form.checkout > div:nth-child(${n}) > input`,
      xpath: `/html/body/main/form/div[${n}]/input`,
      data_testid: `field-${n}`,
      stable_attrs: { name: `field${n}`, autocomplete: 'on' },
    },
    elementMeta: { tag_name: 'input', role: 'textbox', type: 'text', name: `field${n}`, aria_label: pad },
    pageContext: {
      url: 'https://app.example.test/checkout',
      title: 'Checkout',
      viewport: { width: 1280, height: 800 },
      page_state_hash: 'a3f1c2d4e5b6a7980112233445566778',
    },
    actionData: { input_value: `value ${n}`, click_coordinates: { x: 100, y: 200 } },
  };
}

function placeholders(rows: number, columns: number): string {
  const one = `(${Array.from({ length: columns }, () => '?').join(', ')})`;
  return Array.from({ length: rows }, () => one).join(', ');
}

const json = (v: unknown) => (v == null ? null : JSON.stringify(v));

function rawCreateWorkflow(
  raw: RawDriver,
  ids: { companyId: number; userId: number },
  name: string,
  steps: StepInput[],
): Promise<Row> {
  const now = new Date().toISOString();
  return raw.transaction(async (tx) => {
    const owned = await tx.all('select "id" from "users" where "company_id" = ? and "id" in (?)', [
      ids.companyId,
      ids.userId,
    ]);
    if (owned.length !== 1) throw new Error('createdBy is not a user of this company');
    const [workflow] = await tx.all(
      'insert into "workflows" ("company_id", "created_by", "name", "description", "starting_url", "tags", "status", ' +
        '"success_rate", "total_uses", "consecutive_failures", "created_at", "updated_at", "last_successful_run", "last_failed_run") ' +
        'values (?, ?, ?, ?, ?, ?, ?, 0, 0, 0, ?, ?, null, null) returning *',
      [ids.companyId, ids.userId, name, null, 'https://app.example.test', '["bench"]', 'processing', now, now],
    );
    const params: unknown[] = [];
    steps.forEach((s, i) => {
      params.push(
        ids.companyId,
        workflow.id,
        null,
        null,
        i + 1,
        s.timestamp ?? null,
        s.actionType,
        json(s.selectors),
        json(s.elementMeta),
        json(s.pageContext),
        json(s.actionData),
        json(s.domContext),
        false,
        false,
        now,
      );
    });
    await tx.all(
      'insert into "steps" ("company_id", "workflow_id", "screenshot_id", "edited_by", "step_number", "timestamp", ' +
        '"action_type", "selectors", "element_meta", "page_context", "action_data", "dom_context", "label_edited", ' +
        `"instruction_edited", "created_at") values ${placeholders(steps.length, 15)}`,
      params,
    );
    return mapRow(raw.dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES);
  });
}

/** Half the calls send a hash stored before, half a new one ending in the side's `tag` (so one side's inserts never turn another's new hashes into duplicates). */
export function hashFor(ids: DatasetIds, tag: number, i: number): string {
  return i % 2 === 0
    ? ids.screenshotHashes[(i / 2) % ids.screenshotHashes.length]
    : `sha256:${randomBytes(31).toString('hex')}${tag.toString(16).padStart(2, '0')}`;
}

/** Workflows are created in the next company, so the reads see the seeded data unchanged. */
export function writerOf(ids: DatasetIds): { companyId: number; userId: number } {
  return { companyId: ids.companyId + 1, userId: ids.companyId + 1 };
}

export const STEPS_50 = Array.from({ length: 50 }, (_, i) => makeStep(i + 1));
export const STEPS_500 = Array.from({ length: 500 }, (_, i) => makeStep(i + 1));

/** The PostgreSQL text of a timestamp as the library's cursors carry it (SQLite stores that text). */
export function cursorTextOf(dialect: RawDriver['dialect']): string {
  return dialect === 'postgresql' ? `to_char(%s at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : '%s';
}

/** A list page's cursor as the library encodes it: base64url of [...leading values, created_at text, id]. */
export function encodeCursor(createdAt: unknown, id: unknown, leading: unknown[] = []): string {
  return Buffer.from(JSON.stringify([...leading, String(createdAt), Number(id)])).toString('base64url');
}

/** A page of 50 workflows from 51 rows (with `cursor_created_at` and `step_count`): rows mapped, cursor encoded. */
export function workflowPage(dialect: RawDriver['dialect'], rows: Row[]): { items: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, 50);
  for (const r of page) {
    mapRow(dialect, r, WORKFLOW_JSON, WORKFLOW_DATES);
    r.step_count = Number(r.step_count);
  }
  const last = page[page.length - 1];
  return { items: page, nextCursor: rows.length > 50 ? encodeCursor(last.cursor_created_at, last.id) : null };
}

/** A page of 50 notifications from 51 rows (with `cursor_at`). */
export function notificationPage(
  dialect: RawDriver['dialect'],
  rows: Row[],
): { items: Row[]; nextCursor: string | null } {
  const page = rows.slice(0, 50);
  for (const r of page) mapRow(dialect, r, [], ['created_at', 'read_at'], ['read']);
  const last = page[page.length - 1];
  // The notifications' cursor leads with the row's read flag, as the library's does.
  return { items: page, nextCursor: rows.length > 50 ? encodeCursor(last.cursor_at, last.id, [last.read]) : null };
}

/** A workflow with its steps, or null. */
export function workflowWithSteps(dialect: RawDriver['dialect'], workflow: Row | undefined, steps: Row[]): Row | null {
  if (!workflow) return null;
  for (const s of steps) mapRow(dialect, s, STEP_JSON, STEP_DATES, STEP_BOOLEANS);
  return { ...mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES), steps };
}

/** The library's public calls. */
export function libraryOps(db: Database, ids: DatasetIds, tag: number): OperationSet {
  const c = ids.companyId;
  const writer = writerOf(ids);
  return {
    'create-workflow-50-steps': (i) =>
      db.forCompany(writer.companyId).workflows.create({
        name: `Bench ${i}`,
        startingUrl: 'https://app.example.test',
        tags: ['bench'],
        createdBy: writer.userId,
        steps: STEPS_50,
      }),
    'create-workflow-500-steps': (i) =>
      db.forCompany(writer.companyId).workflows.create({
        name: `Bench ${i}`,
        startingUrl: 'https://app.example.test',
        tags: ['bench'],
        createdBy: writer.userId,
        steps: STEPS_500,
      }),
    'list-workflows-50': () => db.forCompany(c).workflows.list({ limit: 50 }),
    'get-workflow-with-50-steps': () => db.forCompany(c).workflows.getWithSteps(ids.bigWorkflowId),
    'dedupe-screenshot': (i) =>
      dedupeScreenshot(db, {
        companyId: c,
        workflowId: ids.bigWorkflowId,
        hash: hashFor(ids, tag, i),
        fileSize: 1000,
        width: 1280,
        height: 800,
        format: 'png',
      }),
    'record-run': () =>
      db.forCompany(c).healthLogs.record({
        workflowId: ids.runWorkflowId,
        userId: ids.userId,
        status: 'success',
        executionTimeMs: 4200,
      }),
    'notifications-unread-50': () => db.forCompany(c).notifications.list({ unreadOnly: true, limit: 50 }),
    'health-summary': () => db.forCompany(c).healthLogs.summary(ids.bigWorkflowId),
  };
}

/** The hand-written equivalents on a raw driver (better-sqlite3, node:sqlite or pg). */
export function rawOps(raw: RawDriver, ids: DatasetIds, tag: number): OperationSet {
  const dialect = raw.dialect;
  const c = ids.companyId;
  const writer = writerOf(ids);
  const steps50 = STEPS_50;
  const steps500 = STEPS_500;
  const cursorText = cursorTextOf(dialect);
  return {
    'create-workflow-50-steps': (i) => rawCreateWorkflow(raw, writer, `Bench ${tag} ${i}`, steps50),
    'create-workflow-500-steps': (i) => rawCreateWorkflow(raw, writer, `Bench ${tag} ${i}`, steps500),
    'list-workflows-50': async () => {
      // One statement: the page plus each row's step count (both company-checked).
      const rows = await raw.all(
        `select "w".*, ${cursorText.replace('%s', '"w"."created_at"')} as "cursor_created_at", ` +
          '(select count(*) from "steps" s where s."workflow_id" = "w"."id" and s."company_id" = "w"."company_id") as "step_count" ' +
          'from "workflows" as "w" where "w"."company_id" = ? order by "w"."created_at" desc, "w"."id" desc limit ?',
        [c, 51],
      );
      return workflowPage(dialect, rows);
    },
    'get-workflow-with-50-steps': async () => {
      const [workflow] = await raw.all('select * from "workflows" where "id" = ? and "company_id" = ?', [
        ids.bigWorkflowId,
        c,
      ]);
      if (!workflow) return null;
      const steps = await raw.all(
        'select * from "steps" where "workflow_id" = ? and "company_id" = ? order by "step_number" asc',
        [ids.bigWorkflowId, c],
      );
      for (const s of steps) mapRow(dialect, s, STEP_JSON, STEP_DATES, STEP_BOOLEANS);
      return { ...mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES), steps };
    },
    'dedupe-screenshot': async (i) => {
      const hash = hashFor(ids, tag, i);
      const wf = await raw.all('select 1 from "workflows" where "id" = ? and "company_id" = ?', [ids.bigWorkflowId, c]);
      if (wf.length === 0) throw new Error('workflow of another company');
      const [existing] = await raw.all('select * from "screenshots" where "company_id" = ? and "hash" = ?', [c, hash]);
      if (existing) return { screenshot: mapRow(dialect, existing, [], ['created_at']), deduplicated: true };
      return raw.transaction(async (tx) => {
        const inserted = await tx.all(
          'insert into "screenshots" ("company_id", "workflow_id", "hash", "storage_key", "storage_url", "file_size", ' +
            '"width", "height", "format") values (?, ?, ?, ?, ?, ?, ?, ?, ?) on conflict ("company_id", "hash") do nothing returning "id"',
          [c, ids.bigWorkflowId, hash, 'pending', 'pending', 1000, 1280, 800, 'png'],
        );
        if (inserted.length === 1) {
          const key = `companies/${c}/workflows/${ids.bigWorkflowId}/screenshots/${inserted[0].id}.png`;
          const [row] = await tx.all(
            'update "screenshots" set "storage_key" = ?, "storage_url" = ? where "id" = ? returning *',
            [key, key, inserted[0].id],
          );
          return { screenshot: mapRow(dialect, row, [], ['created_at']), deduplicated: false };
        }
        const [row] = await tx.all('select * from "screenshots" where "company_id" = ? and "hash" = ?', [c, hash]);
        return { screenshot: mapRow(dialect, row, [], ['created_at']), deduplicated: true };
      });
    },
    'record-run': () => {
      const now = new Date().toISOString();
      const pgsql = dialect === 'postgresql';
      const w = pgsql ? 'w' : '"workflows"';
      const columns =
        `${w}."name", ${w}."status", ${w}."consecutive_failures", ` +
        `(select c."settings" from "companies" c where c."id" = ${w}."company_id") as settings, ` +
        `exists (select 1 from "users" u where u."id" = ? and u."company_id" = ${w}."company_id") as user_ok`;
      return raw.transaction(async (tx) => {
        const [locked] = pgsql
          ? await tx.all(
              `select ${columns} from "workflows" w where w."id" = ? and w."company_id" = ? for no key update`,
              [ids.userId, ids.runWorkflowId, c],
            )
          : await tx.all(
              `update "workflows" set "status" = "status" where "id" = ? and "company_id" = ? returning ${columns}`,
              [ids.runWorkflowId, c, ids.userId],
            );
        if (!locked?.user_ok) throw new Error('cross-tenant reference');
        const [log] = await tx.all(
          'insert into "health_logs" ("company_id", "workflow_id", "step_id", "user_id", "status", "execution_time_ms", "created_at") ' +
            'values (?, ?, null, ?, ?, ?, ?) returning *',
          [c, ids.runWorkflowId, ids.userId, 'success', 4200, now],
        );
        const [workflow] = await tx.all(
          'update "workflows" set "total_uses" = "total_uses" + 1, ' +
            '"success_rate" = (round("success_rate" * "total_uses") + 1) / ("total_uses" + 1), ' +
            '"consecutive_failures" = 0, "last_successful_run" = ?, "status" = ?, "updated_at" = ? ' +
            'where "id" = ? and "company_id" = ? returning *',
          [now, 'active', now, ids.runWorkflowId, c],
        );
        return {
          log: mapRow(dialect, log, [], ['created_at']),
          workflow: mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES),
          notification: null,
        };
      });
    },
    'notifications-unread-50': async () => {
      const rows = await raw.all(
        `select n.*, ${cursorText.replace('%s', 'n."created_at"')} as cursor_at from "notifications" n ` +
          `where n."company_id" = ? and n."read" = ${dialect === 'postgresql' ? 'false' : '0'} ` +
          'order by n."created_at" desc, n."id" desc limit ?',
        [c, 51],
      );
      return notificationPage(dialect, rows);
    },
    'health-summary': async () => rawHealthSummary(raw, c, ids.bigWorkflowId),
  };
}

const DAY_MS = 24 * 3600 * 1000;

async function rawHealthSummary(raw: RawDriver, c: number, workflowId: number): Promise<unknown> {
  const dialect = raw.dialect;
  const now = Date.now();
  const since30 = new Date(now - 30 * DAY_MS).toISOString();
  const since7 = new Date(now - 7 * DAY_MS).toISOString();
  const text = (col: string) =>
    dialect === 'postgresql' ? `to_char(${col} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')` : col;
  // The library's statements (src/lifecycle/health-summary.ts): counts from the covering index and
  // from the index of failed runs, the failing steps from the latter behind a fence.
  // SQLite compares with `+?` so that better-sqlite3 (built with STAT4) plans them once.
  const p = dialect === 'sqlite' ? '+?' : '?';
  const count = (failed: boolean) =>
    `(select count(*) from "health_logs" h where h."workflow_id" = ${p} and h."company_id" = ${p} and h."created_at" >= ${p}` +
    `${failed ? ' and h."status" = \'failed\'' : ''})`;
  const [first] = await raw.all(
    `select w.*, ${count(false)} as runs30, ${count(true)} as failed30, ${count(false)} as runs7, ${count(true)} as failed7 ` +
      `from "workflows" w where w."id" = ${p} and w."company_id" = ${p}`,
    [workflowId, c, since30, workflowId, c, since30, workflowId, c, since7, workflowId, c, since7, workflowId, c],
  );
  if (!first) return null;
  first.ok30 = Number(first.runs30) - Number(first.failed30);
  first.ok7 = Number(first.runs7) - Number(first.failed7);
  const recent = await raw.all(
    `select h.*, ${text('h."created_at"')} as cursor_at from "health_logs" h ` +
      'where h."workflow_id" = ? and h."company_id" = ? order by h."created_at" desc, h."id" desc limit ?',
    [workflowId, c, 11],
  );
  const failing = await raw.all(
    `select f."step_id", s."step_number", s."field_label", f.failures, ${text('f.last_at')} as last_failure_at ` +
      'from (select h."step_id", count(*) as failures, max(h."created_at") as last_at from (' +
      `select h."step_id", h."created_at" from "health_logs" h where h."workflow_id" = ${p} and h."company_id" = ${p} ` +
      `and h."created_at" >= ${p} and h."status" = 'failed'${dialect === 'postgresql' ? ' offset 0' : ''}) h ` +
      'where h."step_id" is not null group by h."step_id") f ' +
      'join "steps" s on s."id" = f."step_id" ' +
      'order by f.failures desc, f.last_at desc, s."step_number" asc',
    [workflowId, c, since30],
  );
  return healthSummary(dialect, first, recent, failing);
}

/** The health summary from its three statements' rows (`first` null: no such workflow of the company). */
export function healthSummary(
  dialect: RawDriver['dialect'],
  first: Row | undefined,
  recent: Row[],
  failing: Row[],
): unknown {
  if (!first) return null;
  const runs30 = Number(first.runs30);
  const runs7 = Number(first.runs7);
  mapRow(dialect, first, WORKFLOW_JSON, WORKFLOW_DATES);
  return {
    workflowId: first.id,
    status: first.status,
    totalRuns: first.total_uses,
    last7Days: { runs: runs7, successes: Number(first.ok7), successRate: runs7 ? Number(first.ok7) / runs7 : null },
    last30Days: {
      runs: runs30,
      successes: Number(first.ok30),
      successRate: runs30 ? Number(first.ok30) / runs30 : null,
    },
    recentLogs: recent.slice(0, 10).map((r) => mapRow(dialect, r, [], ['created_at'])),
    failingSteps: failing.map((r) => ({
      stepId: Number(r.step_id),
      stepNumber: Number(r.step_number),
      fieldLabel: r.field_label ?? null,
      failures: Number(r.failures),
      lastFailureAt: new Date(r.last_failure_at),
    })),
  };
}
