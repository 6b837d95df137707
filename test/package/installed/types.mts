// Type-checked in the scratch host (module: nodenext, no skipLibCheck) as an ESM file: the package's types as an
// `import` host sees them.
import { type Company, createCompany, type Database, openDatabase, type TenantScope } from '@overlay/db';

export async function typed(): Promise<string> {
  const db: Database = await openDatabase({ url: 'sqlite:///:memory:', migrate: true });
  const company: Company = await createCompany(db, { name: 'Typed' });
  const scope: TenantScope = db.forCompany(company.id);
  const users = await scope.users.list();
  await db.close();
  // @ts-expect-error: the users of a scope carry no password hash.
  users[0]?.passwordHash;
  return company.inviteToken;
}
