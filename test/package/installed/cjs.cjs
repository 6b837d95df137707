// The installed package through `require`, as a CommonJS host writes it.
'use strict';
const assert = require('node:assert/strict');
const {
  Company,
  createAdmin,
  createCompany,
  FAILED_RUNS_INDEX_MIGRATION,
  HEALTH_SUMMARY_INDEX_MIGRATION,
  INITIAL_MIGRATION,
  OverlayDbError,
  openDatabase,
  TenantRequiredError,
} = require('@overlay/db');
const checks = require('./checks.cjs');

async function main() {
  // require() of the CommonJS entry and import() of the ESM entry reach one module: one copy of
  // every class (dist/index.cjs is `module.exports = require('./index.js')`).
  const viaImport = await import('@overlay/db');
  assert.equal(require('@overlay/db').Company, viaImport.Company, 'require and import give one Company');
  assert.equal(Company, viaImport.Company);
  assert.equal(OverlayDbError, viaImport.OverlayDbError, 'require and import give one OverlayDbError');
  const lib = {
    createAdmin,
    createCompany,
    FAILED_RUNS_INDEX_MIGRATION,
    HEALTH_SUMMARY_INDEX_MIGRATION,
    INITIAL_MIGRATION,
    OverlayDbError,
    openDatabase,
    TenantRequiredError,
  };
  for (const target of checks.targets('cjs')) {
    const { companyId, adminId } = await checks.runChecks(lib, target, `cjs-${target.dialect}`);
    console.log(`ok   require [${target.dialect}] migrated, company #${companyId}, admin #${adminId} read back`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exitCode = 1;
});
