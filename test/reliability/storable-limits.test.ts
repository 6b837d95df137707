import { afterAll, beforeAll, expect, it } from 'vitest';
import { type Database, LIMITS } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, sql, stepInput } from '../tenant/fixtures.js';

// Every workflow that LIMITS accept is stored, on both dialects. PostgreSQL caps one jsonb array
// at 268,435,455 bytes of elements, and jsonb is bigger than its text: a JSON number takes about
// 12 bytes in jsonb for 2 bytes of text ("0,"). So steps whose payloads are arrays of zeros reach
// that cap with about 50 MiB of JSON text, well within LIMITS (5,000 steps of five 256 KiB payloads).
const ZEROS = Math.floor((LIMITS.jsonBytes - 16) / 2);
const STEPS = 40;

describeEachDialect('workflows within LIMITS are storable', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let co: SeededCompany;

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    co = await seedCompany(db);
  });
  afterAll(async () => {
    await dispose?.();
  });

  it(`${STEPS} steps of five ${LIMITS.jsonBytes / 1024} KiB number arrays (over 256 MiB as one jsonb array) are stored`, async () => {
    // One array shared by every payload: validated and serialized per payload, held once in memory.
    const payload = { a: new Array<number>(ZEROS).fill(0) };
    expect(JSON.stringify(payload).length).toBeLessThanOrEqual(LIMITS.jsonBytes);
    const step = stepInput({
      selectors: payload as never,
      elementMeta: payload as never,
      pageContext: payload as never,
      actionData: payload as never,
      domContext: payload as never,
    });
    const wf = await db.forCompany(co.companyId).workflows.create({
      name: 'huge',
      startingUrl: 'https://x.test',
      steps: Array.from({ length: STEPS }, () => step),
    });
    const length =
      dialect === 'postgresql' ? `jsonb_array_length("dom_context"->'a')` : `json_array_length("dom_context", '$.a')`;
    const rows = await sql<{ step_number: number; n: number | string }>(
      db,
      `select "step_number", ${length} as n from "steps" where "workflow_id" = ? order by "step_number"`,
      [wf.id],
    );
    expect(rows.map((r) => Number(r.step_number))).toEqual(Array.from({ length: STEPS }, (_, i) => i + 1));
    expect(rows.every((r) => Number(r.n) === ZEROS)).toBe(true);
  }, 300_000);
});
