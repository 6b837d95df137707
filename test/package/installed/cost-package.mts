// TypeScript cost, with the package: the MikroORM-only host of cost-orm.mts, re-exported whole, plus
// a use of @overlay/db (open and migrate, a company, a tenant scope's reads). The difference between
// the two programs is what the package adds to a MikroORM host's `tsc` (scripts/smoke-installed.mjs).
import { createCompany, openDatabase } from '@overlay/db';

export * from './cost-orm.mjs';

export async function withPackage(url: string): Promise<number> {
  const db = await openDatabase({ url, migrate: true });
  try {
    const company = await createCompany(db, { name: 'Cost' });
    const scope = db.forCompany(company.id);
    const page = await scope.workflows.list();
    const users = await scope.users.list();
    return page.items.length + users.length;
  } finally {
    await db.close();
  }
}
