// The installed package through `import`: named imports, as an ESM host writes them.
import {
  createAdmin,
  createCompany,
  FAILED_RUNS_INDEX_MIGRATION,
  HEALTH_SUMMARY_INDEX_MIGRATION,
  INITIAL_MIGRATION,
  OverlayDbError,
  openDatabase,
  TenantRequiredError,
} from '@overlay/db';
import checks from './checks.cjs';

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
for (const target of checks.targets('esm')) {
  const { companyId, adminId } = await checks.runChecks(lib, target, `esm-${target.dialect}`);
  console.log(`ok   import  [${target.dialect}] migrated, company #${companyId}, admin #${adminId} read back`);
}
