// Runs every examples/*.ts against a fresh SQLite file and a fresh PostgreSQL database, the way a
// user would: importing the package by name (resolved to the built dist), with DATABASE_URL set.
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';

const require = createRequire(import.meta.url);
const tsx = require.resolve('tsx');
const admin = process.env.OVERLAY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';
const dialects = (process.env.DIALECTS ?? 'sqlite,postgresql').split(',');
const examples = readdirSync('examples')
  .filter((f) => f.endsWith('.ts'))
  .sort();

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: admin });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

let failed = 0;
let passed = 0;
for (const example of examples) {
  for (const dialect of dialects) {
    let url;
    let drop;
    if (dialect === 'sqlite') {
      const dir = mkdtempSync(join(tmpdir(), 'overlay-example-'));
      url = `sqlite:///${join(dir, 'example.db')}`;
      drop = async () => rmSync(dir, { recursive: true, force: true });
    } else {
      const name = `overlay_example_${randomBytes(5).toString('hex')}`;
      await adminQuery(`create database ${name}`);
      const u = new URL(admin);
      u.pathname = `/${name}`;
      url = u.toString();
      drop = () => adminQuery(`drop database if exists ${name} with (force)`);
    }
    const started = Date.now();
    const run = spawnSync(process.execPath, ['--import', tsx, join('examples', example)], {
      env: { ...process.env, DATABASE_URL: url },
      encoding: 'utf8',
      timeout: 120_000,
    });
    await drop();
    const ms = Date.now() - started;
    if (run.status === 0) {
      passed++;
      console.log(`ok   ${example} [${dialect}] ${ms} ms`);
    } else {
      failed++;
      console.log(`FAIL ${example} [${dialect}] exit ${run.status}\n${run.stdout}\n${run.stderr}`);
    }
  }
}
console.log(`examples: ${passed} passed, ${failed} failed`);
process.exit(failed === 0 && passed > 0 ? 0 : 1);
