import { afterAll, beforeAll, expect, it } from 'vitest';
import { createCompany, type Database } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, sql, stepInput } from '../tenant/fixtures.js';

// Object keys that are also names of Object.prototype members are ordinary JSON keys: a payload
// that one call stores must be stored by every call that takes JSON, and read back unchanged.
const PAYLOADS: Record<string, unknown>[] = [
  { constructor: 'x' },
  { a: [{ constructor: 1 }] },
  { toString: 'x', valueOf: 2, hasOwnProperty: true, isPrototypeOf: null },
  { nested: { constructor: { prototype: { toString: 'deep' } } } },
  JSON.parse('{"__proto__": {"polluted": true}, "b": 1}'),
];

/** JSON text with every object's keys sorted: jsonb keeps keys in its own order. */
function canonical(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonical).join(',')}]`;
  if (typeof value === 'object' && value !== null) {
    const keys = Object.keys(value).sort();
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonical((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

describeEachDialect(
  'JSON whose keys name Object.prototype members is accepted by every JSON-taking call',
  (dialect) => {
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

    it.each(PAYLOADS.map((p) => [JSON.stringify(p), p]))('workflows.create step payloads %s', async (_, payload) => {
      const t = db.forCompany(co.companyId);
      const wf = await t.workflows.create({
        name: 'n',
        startingUrl: 'https://x.test',
        steps: [
          stepInput({
            selectors: payload as never,
            elementMeta: payload as never,
            pageContext: payload as never,
            actionData: payload as never,
            domContext: payload as never,
          }),
        ],
      });
      const [step] = (await t.workflows.getWithSteps(wf.id))?.steps ?? [];
      for (const value of [step.selectors, step.elementMeta, step.pageContext, step.actionData, step.domContext]) {
        expect(canonical(value)).toBe(canonical(payload));
      }
    });

    it.each(PAYLOADS.map((p) => [JSON.stringify(p), p]))('steps.update healedSelectors %s', async (_, payload) => {
      const t = db.forCompany(co.companyId);
      const wf = await t.workflows.create({ name: 'n', startingUrl: 'https://x.test', steps: [stepInput()] });
      const [{ id }] = await t.steps.listByWorkflow(wf.id);
      const updated = await t.steps.update(id, { healedSelectors: payload as never });
      expect(canonical(updated.healedSelectors)).toBe(canonical(payload));
      expect(canonical((await t.steps.get(id))?.healedSelectors)).toBe(canonical(payload));
    });

    it.each(PAYLOADS.map((p) => [JSON.stringify(p), p]))('healthLogs.record healedSelectors %s', async (_, payload) => {
      const t = db.forCompany(co.companyId);
      const wf = await t.workflows.create({ name: 'n', startingUrl: 'https://x.test', steps: [stepInput()] });
      const [{ id: stepId }] = await t.steps.listByWorkflow(wf.id);
      await t.workflows.update(wf.id, { status: 'draft' });
      await t.workflows.update(wf.id, { status: 'active' });
      await t.healthLogs.record({
        workflowId: wf.id,
        userId: co.userId,
        status: 'healed_ai',
        stepId,
        healedSelectors: payload as never,
      });
      // A heal recorded without a confidence is trusted: its selectors are written to the step.
      expect(canonical((await t.steps.get(stepId))?.healedSelectors)).toBe(canonical(payload));
    });

    it.each(PAYLOADS.map((p) => [JSON.stringify(p), p]))('createCompany settings %s', async (_, payload) => {
      const company = await createCompany(db, { name: 'Co', settings: payload as never });
      const [row] = await sql<{ settings: unknown }>(db, 'select settings from companies where id = ?', [company.id]);
      const stored = typeof row.settings === 'string' ? JSON.parse(row.settings) : row.settings;
      expect(canonical(stored)).toBe(canonical(payload));
    });
  },
);
