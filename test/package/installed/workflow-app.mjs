// A host application as a bundler sees it: one entry importing '@overlay/db' by name. The
// installed smoke runs it bundled with esbuild and, in the PostgreSQL-only host, as installed, on
// the databases of SMOKE_TARGETS for entry SMOKE_ENTRY. With SMOKE_EXPECT_SQLITE_DRIVER=better-sqlite3
// it also checks that SQLite ran on better-sqlite3 (not a silent fall-back to node:sqlite).
import assert from 'node:assert/strict';
import { createRequire } from 'node:module';
import { createAdmin, createCompany, FAILED_RUNS_INDEX_MIGRATION, openDatabase } from '@overlay/db';
import checks from './checks.cjs';
import workflow from './workflow-checks.cjs';

const lib = { createAdmin, createCompany, FAILED_RUNS_INDEX_MIGRATION, openDatabase };
const entry = process.env.SMOKE_ENTRY;
for (const target of checks.targets(entry)) {
  const summary = await workflow.runWorkflowChecks(lib, target, `${entry}-${target.dialect}`);
  console.log(`ok   ${entry} [${target.dialect}] ${summary}`);
  if (target.dialect === 'sqlite' && process.env.SMOKE_EXPECT_SQLITE_DRIVER === 'better-sqlite3') {
    // One module cache for every require function: better-sqlite3 is in it once it was loaded.
    const loaded = Object.keys(createRequire(import.meta.url).cache).filter((f) =>
      f.includes('/node_modules/better-sqlite3/'),
    );
    assert.ok(loaded.length > 0, 'SQLite ran on better-sqlite3');
    console.log(`ok   ${entry} [sqlite] on better-sqlite3 from ${loaded[0].replace(/\/lib\/.*$/, '')}`);
  }
}
