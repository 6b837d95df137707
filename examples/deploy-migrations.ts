// A deploy step: bring the database schema to the version this release of @overlay/db ships,
// before the new app version starts (open the app's databases WITHOUT `migrate: true` then).
// Safe to run from several instances at once: one runner migrates, the others wait and find
// nothing pending; a failed run leaves the database at the revision it had.
//   npm run build && npx tsx examples/deploy-migrations.ts     (SQLite file ./.tmp/deploy.db)
//   DATABASE_URL=postgresql://… npx tsx examples/deploy-migrations.ts
//
// The same from a shell, with the CLI that ships in the package (exit code 0 ok, 1 failure, 2 usage):
//   npx overlay-db history --url "$DATABASE_URL"         # pending migrations are listed as "pending"
//   npx overlay-db upgrade head --url "$DATABASE_URL"    # all pending ones, in one transaction
//   npx overlay-db current --url "$DATABASE_URL"         # e.g. "0003_failed_runs_index (head)"
//   npx overlay-db check --url "$DATABASE_URL"           # exit 1 when the schema drifted from the entities
// A database created by the Python backend (Alembic revision 0acd3e6b9445) is taken over once with
// `npx overlay-db adopt` (or `db.migrator.adopt()`) before the first upgrade; back it up first.
import { mkdirSync } from 'node:fs';
import { MigrationError, openDatabase, SchemaDriftError } from '@overlay/db';

if (!process.env.DATABASE_URL) mkdirSync('.tmp', { recursive: true });
const db = await openDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:///./.tmp/deploy.db' });
try {
  console.log(`${db.dialect} database at ${(await db.migrator.current()) ?? 'base (no migration applied)'}`);

  // overlay-db history
  const pending = await db.migrator.pending();
  console.log(pending.length ? `pending: ${pending.join(', ')}` : 'pending: none');

  // overlay-db upgrade head
  const applied = await db.migrator.up();
  console.log(applied.length ? `applied: ${applied.join(', ')}` : 'applied: nothing, already at head');

  // overlay-db current
  const current = await db.migrator.current();
  console.log(`current: ${current}`);

  // A second deploy of the same release is a no-op.
  const again = await db.migrator.up();
  if (again.length !== 0) throw new Error(`a second upgrade applied ${again.join(', ')}`);

  // overlay-db check: refuse to start the app on a schema someone changed by hand.
  const { inSync, statements } = await db.migrator.check();
  if (!inSync) throw new SchemaDriftError(statements);
  console.log('check: the schema matches the entities');
} catch (error) {
  if (error instanceof MigrationError) {
    // Nothing was applied: the database is still at the revision printed above.
    console.error(`deploy failed: ${error.code} in ${error.migration ?? 'the migration run'}: ${error.message}`);
    process.exitCode = 1;
  } else if (error instanceof SchemaDriftError) {
    console.error(`deploy refused: ${error.code}\n${error.statements.join('\n')}`);
    process.exitCode = 1;
  } else {
    throw error;
  }
} finally {
  await db.close();
}
