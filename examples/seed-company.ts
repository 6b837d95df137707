// Seed a tenant: create a company and its admin, let a colleague join with the company's invite
// token, sign both in, and rotate the token so the old invite link stops working.
//   npx tsup && npx tsx examples/seed-company.ts        (SQLite file ./.tmp/example.db)
//   DATABASE_URL=postgresql://… npx tsx examples/seed-company.ts
import { mkdirSync } from 'node:fs';
import {
  authenticate,
  createAdmin,
  createCompany,
  joinCompany,
  OverlayDbError,
  openDatabase,
  rotateInviteToken,
} from '@overlay/db';

if (!process.env.DATABASE_URL) mkdirSync('.tmp', { recursive: true });
const db = await openDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:///./.tmp/example.db', migrate: true });
try {
  // Emails are unique across all companies: a per-run suffix lets the example run again on the same file.
  const run = Date.now();
  const company = await createCompany(db, { name: 'Acme Corp', settings: { brokenAfterFailures: 3 } });
  console.log(`company #${company.id} "${company.name}", invite token ${company.inviteToken}`);

  const admin = await createAdmin(db, {
    companyId: company.id,
    email: `Ada+${run}@Acme.test`, // stored trimmed and lower-cased
    password: 'correct-horse-42',
    name: 'Ada Admin',
  });
  console.log(`admin #${admin.id} <${admin.email}> (${admin.role})`);

  const bob = await joinCompany(db, {
    inviteToken: company.inviteToken,
    email: `bob+${run}@acme.test`,
    password: 'battery staple 7',
    name: 'Bob',
  });
  console.log(`joined #${bob.id} <${bob.email}> (${bob.role}) into company #${bob.company.id}`);

  const signedIn = await authenticate(db, { email: `BOB+${run}@acme.test`, password: 'battery staple 7' });
  console.log(
    `sign-in as ${signedIn?.email}: ${signedIn ? `ok, lastLoginAt ${signedIn.lastLoginAt?.toISOString()}` : 'refused'}`,
  );
  const refused = await authenticate(db, { email: admin.email, password: 'not-her-password-1' });
  console.log(`sign-in with a wrong password: ${refused === null ? 'refused (null)' : 'accepted?!'}`);

  const newToken = await rotateInviteToken(db, company.id);
  console.log(`invite token rotated to ${newToken}`);
  try {
    await joinCompany(db, {
      inviteToken: company.inviteToken,
      email: `eve+${run}@acme.test`,
      password: 'too late 123',
    });
  } catch (error) {
    if (!(error instanceof OverlayDbError)) throw error;
    console.log(`joining with the old token: ${error.code}`);
  }
  try {
    await createAdmin(db, { companyId: company.id, email: admin.email.toUpperCase(), password: 'another-pass-9' });
  } catch (error) {
    if (!(error instanceof OverlayDbError)) throw error;
    console.log(`the same email in upper case: ${error.code}`);
  }
} finally {
  await db.close();
}
