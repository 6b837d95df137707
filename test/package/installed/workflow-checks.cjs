// A host's day one on one database: open with `migrate: true`, sign up (createCompany, then
// createAdmin), and the workflow calls (create with steps, list, get with steps, record a run).
// Used by workflow-app.mjs, which the installed smoke runs bundled (esbuild) and, in the
// PostgreSQL-only host, as installed. Node built-ins only.
'use strict';
const assert = require('node:assert/strict');

async function runWorkflowChecks(lib, target, label) {
  const { openDatabase, createCompany, createAdmin, FAILED_RUNS_INDEX_MIGRATION } = lib;
  const db = await openDatabase({ url: target.url, migrate: true });
  try {
    assert.equal(db.dialect, target.dialect);
    assert.equal(await db.migrator.current(), FAILED_RUNS_INDEX_MIGRATION, 'migrate: true applied every migration');
    assert.deepEqual(await db.migrator.pending(), []);

    const company = await createCompany(db, { name: `Workflow ${label}` });
    const admin = await createAdmin(db, {
      companyId: company.id,
      email: `admin-${label}@smoke.test`,
      password: 'correct-horse-42',
      name: 'Ada',
    });

    const t = db.forCompany(company.id);
    const page = { url: 'https://expenses.smoke.test/new', title: 'New expense' };
    const created = await t.workflows.create({
      name: 'Submit an expense report',
      startingUrl: page.url,
      tags: ['finance'],
      createdBy: admin.id,
      steps: [
        {
          stepNumber: 1,
          actionType: 'input_commit',
          selectors: { primary: '#amount' },
          elementMeta: { tag_name: 'input', type: 'number' },
          pageContext: page,
          actionData: { input_value: '42.00' },
        },
        {
          stepNumber: 2,
          actionType: 'click',
          selectors: { primary: 'button[type=submit]' },
          elementMeta: { tag_name: 'button' },
          pageContext: page,
        },
      ],
    });
    assert.deepEqual(
      (await t.workflows.list()).items.map((w) => w.id),
      [created.id],
    );
    const read = await t.workflows.getWithSteps(created.id);
    assert.ok(read, 'the workflow just created is read back');
    assert.deepEqual(
      read.steps.map((s) => s.selectors.primary),
      ['#amount', 'button[type=submit]'],
    );
    const run = await t.healthLogs.record({
      workflowId: created.id,
      userId: admin.id,
      status: 'failed',
      stepId: read.steps[1].id,
      errorType: 'timeout',
    });
    assert.equal(run.workflow.consecutiveFailures, 1);
    assert.equal(await db.forCompany((await createCompany(db, { name: 'Other' })).id).workflows.get(created.id), null);
    return `company #${company.id}, admin #${admin.id}, workflow #${created.id} with ${read.steps.length} steps, a failed run recorded`;
  } finally {
    await db.close();
  }
}

module.exports = { runWorkflowChecks };
