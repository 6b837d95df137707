// The checks that the installed-package smoke runs through each entry point (see esm.mjs and
// cjs.cjs). It receives the library object instead of loading it, so each caller proves its own
// way of loading '@overlay/db'. Runs inside a scratch host project: node built-ins only.
'use strict';
const assert = require('node:assert/strict');

/**
 * Migrates a fresh database with the bundled migrations, creates a company and its admin, and
 * reads them back through the tenant scope.
 */
async function runChecks(lib, target, label) {
  const {
    openDatabase,
    createCompany,
    createAdmin,
    INITIAL_MIGRATION,
    HEALTH_SUMMARY_INDEX_MIGRATION,
    FAILED_RUNS_INDEX_MIGRATION,
    OverlayDbError,
    TenantRequiredError,
  } = lib;
  const db = await openDatabase({ url: target.url });
  try {
    assert.equal(db.dialect, target.dialect);
    assert.equal(await db.migrator.current(), null, 'a fresh database has no migration applied');
    assert.deepEqual(await db.migrator.pending(), [
      INITIAL_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
      FAILED_RUNS_INDEX_MIGRATION,
    ]);
    assert.deepEqual(await db.migrator.up(), [
      INITIAL_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
      FAILED_RUNS_INDEX_MIGRATION,
    ]);
    assert.equal(await db.migrator.current(), FAILED_RUNS_INDEX_MIGRATION);
    assert.deepEqual(await db.migrator.pending(), []);
    assert.equal((await db.migrator.check()).inSync, true, 'the migrated schema matches the entities');

    const company = await createCompany(db, { name: `Smoke ${label}` });
    const email = `admin-${label}@smoke.test`;
    const admin = await createAdmin(db, { companyId: company.id, email, password: 'correct-horse-42', name: 'Ada' });
    assert.equal(admin.role, 'admin');

    const tenant = db.forCompany(company.id);
    const read = await tenant.users.get(admin.id);
    assert.ok(read, 'the admin is visible in its own company');
    assert.equal(read.email, email);
    assert.equal(read.role, 'admin');
    assert.equal(read.company.id, company.id);
    assert.ok(!JSON.stringify(read).includes('$2'), 'no password hash in the serialized user');
    assert.deepEqual(
      (await tenant.users.list()).map((u) => u.email),
      [email],
    );

    const other = await createCompany(db, { name: `Other ${label}` });
    assert.equal(await db.forCompany(other.id).users.get(admin.id), null, 'another company cannot read the admin');
    assert.deepEqual(await db.forCompany(other.id).users.list(), []);

    assert.throws(
      () => db.forCompany(0),
      (e) => e instanceof TenantRequiredError && e instanceof OverlayDbError && e.code === 'TENANT_REQUIRED',
    );
    return { companyId: company.id, adminId: admin.id };
  } finally {
    await db.close();
  }
}

/** The fresh databases one entry point checks, from SMOKE_TARGETS (JSON: [{ entry, dialect, url }]). */
function targets(entry) {
  const raw = process.env.SMOKE_TARGETS;
  if (!raw) throw new Error('SMOKE_TARGETS is not set (run this through scripts/smoke-installed.mjs)');
  const mine = JSON.parse(raw).filter((t) => t.entry === entry);
  if (mine.length === 0) throw new Error(`SMOKE_TARGETS has no database for ${entry}`);
  return mine;
}

module.exports = { runChecks, targets };
