// Type-checked in the scratch host (module: nodenext, no skipLibCheck) as a CommonJS file: the package's types as a
// `require` host sees them (the `import` below compiles to `require`).
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
