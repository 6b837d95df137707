import type { SqlEntityManager } from '@mikro-orm/sql';
import { bindsNatively } from '../database/execute-native.js';
import type { Dialect } from '../database/options.js';
import { query, type SqlParam } from '../executor/executor.js';
import type { ParsedStep } from './step-input.js';

// The steps of a new workflow, written in as few statements as each dialect allows.
//
// PostgreSQL: one statement for any number of steps (up to 16 Mi characters of payloads; more
// goes in several, see PG_CHUNK_TEXT), their rows sent as one JSON array. Its text never
// changes, so it is prepared once per connection. A multi-row VALUES list has 12 parameters a
// row and a new text for every row count: prepared, a connection would keep a plan per count
// ever seen; unprepared, the server parses and plans it on every call (measured: about 14 ms of
// a 45 ms 500-step create). The payloads are JSON text already (validated and
// serialized once), so the array is assembled from them without escaping them again; the server
// parses each payload once, as it parsed the text parameter it replaces.
//
// SQLite: multi-row VALUES lists; the connection caches each text's compiled statement.

// Both dialects write the same columns, in this order.
const INSERT_INTO_STEPS =
  'insert into "steps" ("company_id", "workflow_id", "screenshot_id", "edited_by", "step_number", "timestamp", ' +
  '"action_type", "selectors", "element_meta", "page_context", "action_data", "dom_context", "label_edited", ' +
  '"instruction_edited", "created_at") ';

const PG_INSERT_STEPS_SQL =
  INSERT_INTO_STEPS +
  'select ?::int, ?::int, u."screenshot_id", null, u."step_number", u."timestamp", u."action_type", u."selectors", ' +
  'u."element_meta", u."page_context", u."action_data", u."dom_context", false, false, ?::timestamptz ' +
  'from jsonb_to_recordset(?::jsonb) as u("screenshot_id" int, "step_number" int, "timestamp" text, ' +
  '"action_type" text, "selectors" jsonb, "element_meta" jsonb, "page_context" jsonb, "action_data" jsonb, ' +
  '"dom_context" jsonb)';

// jsonb's binary wire format: a version byte, then the JSON text. pg sends a Buffer parameter in
// binary format, so the array goes out as bytes written once, not as a string of several hundred
// kilobytes that V8 would first assemble and then encode (measured: 1 ms instead of 3.5–5 ms for
// 500 steps).
const JSONB_VERSION = '\u0001';

/**
 * The steps as the JSON array `jsonb_to_recordset` reads: in jsonb's binary wire format, or as
 * text when the statement goes through MikroORM's `execute` (query logging on), which writes
 * parameters into the SQL as literals.
 */
function stepsJsonb(steps: readonly ParsedStep[], binary: boolean): Buffer | string {
  const parts: string[] = [binary ? `${JSONB_VERSION}[` : '['];
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    parts.push(
      i === 0 ? '{"screenshot_id":' : ',{"screenshot_id":',
      s.screenshotId === null ? 'null' : String(s.screenshotId),
      ',"step_number":',
      String(s.stepNumber),
      ',"timestamp":',
      s.timestamp === null ? 'null' : JSON.stringify(s.timestamp),
      ',"action_type":',
      JSON.stringify(s.actionType),
      ',"selectors":',
      s.selectors,
      ',"element_meta":',
      s.elementMeta,
      ',"page_context":',
      s.pageContext,
      ',"action_data":',
      s.actionData ?? 'null',
      ',"dom_context":',
      s.domContext ?? 'null',
      '}',
    );
  }
  parts.push(']');
  if (!binary) return parts.join('');
  let size = 0;
  for (const part of parts) size += Buffer.byteLength(part);
  const bytes = Buffer.allocUnsafe(size);
  let offset = 0;
  for (const part of parts) offset += bytes.write(part, offset);
  return bytes;
}

// PostgreSQL refuses a jsonb array whose elements take more than 268,435,455 bytes, and jsonb can
// be about 6 times its JSON text (a number in an array: 2 bytes of text, about 12 in jsonb). One
// statement carries at most this much payload text (UTF-16 units, each at most 3 bytes of UTF-8),
// so at most about 100 MB of jsonb: a workflow within LIMITS (up to 5,000 steps of five 256 KiB
// payloads) is stored in several statements of one transaction, an ordinary one in a single one.
const PG_CHUNK_TEXT = 16 * 1024 * 1024;

/** `steps` in consecutive runs of at most {@link PG_CHUNK_TEXT} payload text (at least one step each). */
function pgChunks(steps: readonly ParsedStep[]): (readonly ParsedStep[])[] {
  const chunks: (readonly ParsedStep[])[] = [];
  let from = 0;
  let size = 0;
  for (let i = 0; i < steps.length; i++) {
    const s = steps[i];
    const text =
      s.selectors.length +
      s.elementMeta.length +
      s.pageContext.length +
      (s.actionData?.length ?? 0) +
      (s.domContext?.length ?? 0) +
      (s.timestamp?.length ?? 0);
    if (i > from && size + text > PG_CHUNK_TEXT) {
      chunks.push(steps.slice(from, i));
      from = i;
      size = 0;
    }
    size += text;
  }
  chunks.push(from === 0 ? steps : steps.slice(from));
  return chunks;
}

const SQLITE_STEP_COLUMNS = `${INSERT_INTO_STEPS}values `;
const SQLITE_STEP_ROW = '(?, ?, ?, null, ?, ?, ?, ?, ?, ?, ?, ?, false, false, ?)';
// 12 parameters a row: 1000 rows stay far below SQLite's 32766 per statement.
const SQLITE_STEP_BATCH = 1000;
const sqliteInsertSqlCache = new Map<number, string>();

/** The multi-row INSERT of `rows` steps (cached by row count). */
function sqliteInsertStepsSql(rows: number): string {
  let sql = sqliteInsertSqlCache.get(rows);
  if (sql === undefined) {
    sql = SQLITE_STEP_COLUMNS + Array.from({ length: rows }, () => SQLITE_STEP_ROW).join(', ');
    if (sqliteInsertSqlCache.size > 200) sqliteInsertSqlCache.clear();
    sqliteInsertSqlCache.set(rows, sql);
  }
  return sql;
}

/** Where the steps go: the workflow, its company, and the creation time they share. */
export interface StepTarget {
  companyId: number;
  workflowId: number;
  /** ISO-8601 UTC text (see `sqlTimestamp`). */
  createdAt: string;
}

/**
 * Inserts validated steps of one workflow (inside the caller's transaction), in order.
 *
 * @example
 * await insertSteps(ctx.sql, ctx.dialect, { companyId, workflowId, createdAt: now }, parsed.steps);
 */
export async function insertSteps(
  em: SqlEntityManager,
  dialect: Dialect,
  target: StepTarget,
  steps: readonly ParsedStep[],
): Promise<void> {
  if (steps.length === 0) return;
  if (dialect === 'postgresql') {
    const binary = bindsNatively(em);
    for (const chunk of pgChunks(steps)) {
      await query(em, PG_INSERT_STEPS_SQL, [
        target.companyId,
        target.workflowId,
        target.createdAt,
        stepsJsonb(chunk, binary),
      ]);
    }
    return;
  }
  for (let from = 0; from < steps.length; from += SQLITE_STEP_BATCH) {
    const batch = steps.slice(from, from + SQLITE_STEP_BATCH);
    const params: SqlParam[] = [];
    for (const s of batch) {
      params.push(
        target.companyId,
        target.workflowId,
        s.screenshotId,
        s.stepNumber,
        s.timestamp,
        s.actionType,
        s.selectors,
        s.elementMeta,
        s.pageContext,
        s.actionData,
        s.domContext,
        target.createdAt,
      );
    }
    await query(em, sqliteInsertStepsSql(batch.length), params);
  }
}
