// Run as a child process by test/performance/lazy-loading.test.ts: opens DATABASE_URL without
// migrating, runs a first query, then migrates (a fresh database), and prints which heavy modules were loaded when.
import { createRequire } from 'node:module';
import { openDatabase } from '../../src/index.js';

const cache = createRequire(import.meta.url).cache;
const loaded = (name: string) => Object.keys(cache).some((file) => file.includes(`/node_modules/${name}/`));

const db = await openDatabase();
await db.connection.execute('select 1');
const beforeMigrating = { migrations: loaded('@mikro-orm/migrations'), umzug: loaded('umzug') };
const applied = await db.migrator.up();
const afterMigrating = { migrations: loaded('@mikro-orm/migrations') };
console.log(JSON.stringify({ beforeMigrating, applied, afterMigrating }));
await db.close();
