import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { codeOf, type SeededCompany, seedCompany, snapshotAll, stepInput } from '../tenant/fixtures.js';

// A date input is stored as it is on both dialects, or refused. Years 0001-9999 are what both
// dialects store and read back identically; anything else is INVALID_INPUT before a write.
const OUT_OF_RANGE: unknown[] = [
  new Date(8.64e15),
  new Date(-8.64e15),
  new Date(Date.UTC(10000, 0, 1)),
  new Date('0000-12-31T23:59:59.999Z'),
  '+275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00.000Z',
  '10000-01-01T00:00:00Z',
];
const IN_RANGE = [
  new Date('0001-01-01T00:00:00.000Z'),
  new Date('1969-12-31T23:59:59.999Z'),
  new Date('9999-12-31T23:59:59.999Z'),
];

describeEachDialect('dates outside years 0001-9999', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let co: SeededCompany;
  let stepId: number;

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    co = await seedCompany(db);
    const t = db.forCompany(co.companyId);
    const wf = await t.workflows.create({ name: 'w', startingUrl: 'https://x.test', steps: [stepInput()] });
    stepId = (await t.steps.listByWorkflow(wf.id))[0].id;
  });
  afterAll(async () => {
    await dispose?.();
  });

  it.each(OUT_OF_RANGE.map((d) => [d instanceof Date ? `Date ${d.getTime()}` : d, d]))(
    'steps.update healedAt %s is INVALID_INPUT and writes nothing',
    async (_, healedAt) => {
      const before = await snapshotAll(db);
      expect(await codeOf(() => db.forCompany(co.companyId).steps.update(stepId, { healedAt: healedAt as Date }))).toBe(
        'INVALID_INPUT',
      );
      expect(await snapshotAll(db)).toBe(before);
    },
  );

  it.each(IN_RANGE.map((d) => [d.toISOString(), d]))('steps.update healedAt %s round-trips', async (_, healedAt) => {
    const t = db.forCompany(co.companyId);
    const updated = await t.steps.update(stepId, { healedAt });
    expect(updated.healedAt?.toISOString()).toBe(healedAt.toISOString());
    expect((await t.steps.get(stepId))?.healedAt?.toISOString()).toBe(healedAt.toISOString());
  });
});
