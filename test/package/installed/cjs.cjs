// The installed package through `require`, as a CommonJS host writes it.
'use strict';
const {
  createAdmin,
  createCompany,
  HEALTH_SUMMARY_INDEX_MIGRATION,
  INITIAL_MIGRATION,
  OverlayDbError,
  openDatabase,
  TenantRequiredError,
} = require('@overlay/db');
const checks = require('./checks.cjs');

async function main() {
  const lib = {
    createAdmin,
    createCompany,
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
