import { TENANT_SETTING } from '../../security/row-level-security-flag.js';
import type { ParsedStep } from '../../tenant/step-input.js';
import {
  companyUsersSql,
  INSERT_INTO_STEPS,
  insertScreenshotSql,
  type SqlStatement,
  type StepTarget,
  type TenantSql,
  workflowStepsSql,
} from '../tenant-sql.js';

// The steps of a new workflow in one statement whatever their number, their rows sent as one
// jsonb array. Its text never changes, so it is prepared once per connection. A multi-row VALUES
// list has 12 parameters a row and a new text for every row count: prepared, a connection would
// keep a plan per count ever seen; unprepared, the server parses and plans it on every call
// (measured: about 14 ms of a 45 ms 500-step create). The payloads are JSON text already
// (validated and serialized once), so the array is assembled from them without escaping them
// again; the server parses each payload once, as it parsed the text parameter it replaces.
const INSERT_STEPS_SQL =
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

/** The steps as the jsonb array `jsonb_to_recordset` reads, in jsonb's binary wire format. */
function stepsJsonb(steps: readonly ParsedStep[]): Buffer {
  const parts: string[] = [`${JSONB_VERSION}[`];
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
const CHUNK_TEXT = 16 * 1024 * 1024;

/** `steps` in consecutive runs of at most {@link CHUNK_TEXT} payload text (at least one step each). */
function chunks(steps: readonly ParsedStep[]): (readonly ParsedStep[])[] {
  const out: (readonly ParsedStep[])[] = [];
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
    if (i > from && size + text > CHUNK_TEXT) {
      out.push(steps.slice(from, i));
      from = i;
      size = 0;
    }
    size += text;
  }
  out.push(from === 0 ? steps : steps.slice(from));
  return out;
}

/**
 * The tenant SQL of PostgreSQL: row-level security's tenant setting, jsonb tags, steps as one jsonb parameter.
 *
 * @example
 * postgresqlTenantSql.setTenant; // "select set_config('app.company_id', ?, true)"
 */
export const postgresqlTenantSql: TenantSql = Object.freeze({
  setTenant: `select set_config('${TENANT_SETTING}', ?, true)`,

  hasTag(column: string, tag: string): SqlStatement {
    return { sql: `${column} @> ?::jsonb`, params: [JSON.stringify([tag])] };
  },

  insertSteps(target: StepTarget, steps: readonly ParsedStep[]): SqlStatement[] {
    if (steps.length === 0) return [];
    return chunks(steps).map((chunk) => ({
      sql: INSERT_STEPS_SQL,
      params: [target.companyId, target.workflowId, target.createdAt, stepsJsonb(chunk)],
    }));
  },

  lockWorkflowScreenshots: 'select "id" from "screenshots" where "company_id" = ? and "workflow_id" = ? for update',

  workflowSteps: workflowStepsSql('?'),
  companyUsers: companyUsersSql('?'),
  // The column's own sequence (found through the search path, as the table is): the id it would
  // have drawn as the default, drawn first so the key can name it.
  insertScreenshot: insertScreenshotSql(
    `select nextval(pg_get_serial_sequence('"screenshots"', 'id'))::int as "id"`,
    (type) => `?::${type}`,
  ),
});
