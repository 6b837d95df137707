// Run as a child process by test/performance/code-cache.test.ts, with OVERLAY_DB_CODE_CACHE set:
// loads FIXTURE (a CommonJS package under a node_modules folder) in a code-cache scope, then
// OUTSIDE after the scope, and prints what the modules saw and what the cache did. With
// DATABASE_URL instead, opens the database (the driver loads in requirePeer's scope).
import Module, { createRequire } from 'node:module';
import { beginPeerLoad, codeCacheStatus, saveCodeCache } from '../../src/code-cache/index.js';

const require = createRequire(import.meta.url);
const nodeCompile = (Module.prototype as unknown as { _compile: unknown })._compile;
const out: Record<string, unknown> = {};

if (process.env.DATABASE_URL) {
  const { openDatabase } = await import('../../src/index.js');
  const db = await openDatabase();
  out.rows = await db.connection.execute('select 1 as one');
  await db.close();
} else {
  const end = beginPeerLoad();
  try {
    out.compilerReplacedInScope = (Module.prototype as unknown as { _compile: unknown })._compile !== nodeCompile;
    const fixture = require(process.env.FIXTURE as string);
    out.fixture = { ...fixture, dynamic: undefined };
    out.dynamic = await fixture.dynamic();
  } catch (error) {
    out.error = { name: (error as Error).name, message: (error as Error).message };
  } finally {
    end();
  }
  out.compilerRestored = (Module.prototype as unknown as { _compile: unknown })._compile === nodeCompile;
  out.outside = require(process.env.OUTSIDE as string).value;
}
saveCodeCache();
out.status = codeCacheStatus();
console.log(JSON.stringify(out));
