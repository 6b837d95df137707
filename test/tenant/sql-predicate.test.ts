import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, TenantScope } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { inlined, recordStatements, type SeededCompany, seedCompany, seedScreenshot, stepInput } from './fixtures.js';

// A structural check next to the behavioural ones: every statement the scope's own repositories
// send names the company, as the executor sends it (its parameters written in to read it).
describeEachDialect('tenant scope: the company predicate is in every statement', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  let t: TenantScope;
  let statements: { sql: string; params: readonly unknown[] }[];
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    statements = recordStatements(db);
    await seedCompany(db, 'Padding');
    acme = await seedCompany(db, 'Acme');
    t = db.forCompany(acme.companyId);
  });
  afterAll(async () => dispose());

  function sent(): string[] {
    return statements
      .map(inlined)
      .filter((s) => !/^(begin|commit|rollback|savepoint|release savepoint|pragma)\b/i.test(s));
  }

  it('holds for every call of the workflow, step, screenshot and user repositories', async () => {
    const owner = await t.workflows.create({ name: 'Owner', startingUrl: 'u' });
    const shot = await seedScreenshot(db, acme.companyId, owner.id);
    statements.length = 0;

    const wf = await t.workflows.create({
      name: 'W',
      startingUrl: 'u',
      tags: ['x'],
      createdBy: acme.adminId,
      steps: [stepInput({ screenshotId: shot }), stepInput()],
    });
    await t.workflows.get(wf.id);
    await t.workflows.getWithSteps(wf.id);
    const page = await t.workflows.list({ limit: 1, tag: 'x', status: 'processing', createdBy: acme.adminId });
    await t.workflows.list({ limit: 1, cursor: page.nextCursor });
    await t.workflows.update(wf.id, { name: 'W2', status: 'draft' });
    const [step] = await t.steps.listByWorkflow(wf.id);
    await t.steps.get(step.id);
    await t.steps.update(step.id, { fieldLabel: 'L', screenshotId: shot }, { editedBy: acme.adminId });
    await t.screenshots.get(shot);
    await t.screenshots.listByWorkflow(wf.id);
    await t.users.get(acme.userId);
    await t.users.list();
    await t.workflows.delete(owner.id);
    await t.workflows.delete(wf.id);

    const all = sent();
    expect(all.length).toBeGreaterThan(20);
    const company = new RegExp(
      // (`= +<id>` on SQLite: the same value, compared without a lookup in sqlite_stat4.)
      `["\`]company_id["\`] = \\+?${acme.companyId}\\b|["\`]company_id["\`]\\) values \\(${acme.companyId}\\b`,
    );
    for (const statement of all) {
      if (/^insert into/i.test(statement)) {
        // Inserts stamp the company: the first column of every insert the scope makes.
        expect(statement, statement).toMatch(/^insert into ["`]\w+["`] \(["`]company_id["`]/);
        // (`select <company>::int, …`: the steps' insert reads its rows from one JSON array.)
        expect(statement, statement).toMatch(new RegExp(`(values \\(|select )${acme.companyId}(::int)?, `));
      } else {
        expect(statement, statement).toMatch(company);
      }
    }
  });
});
