import pg from 'pg';
import type { TestProject } from 'vitest/node';
import { component } from './components.js';
import { PG_ADMIN_URL, PG_VIA_POOLER, requestedDialects } from './env.js';

declare module 'vitest' {
  export interface ProvidedContext {
    postgresAvailable: boolean;
  }
}

/**
 * Decides once whether the PostgreSQL half runs. Outside CI an unreachable server skips it
 * with one loud line; with CI=true it fails the run instead.
 */
export default async function setup(project: TestProject): Promise<void> {
  if (!requestedDialects().includes('postgresql')) {
    project.provide('postgresAvailable', false);
    return;
  }
  const client = new pg.Client({ connectionString: PG_ADMIN_URL, connectionTimeoutMillis: 3000 });
  try {
    await client.connect();
    await client.query('select 1');
    project.provide('postgresAvailable', true);
    if (PG_VIA_POOLER) await startPooler();
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    if (process.env.CI === 'true') {
      throw new Error(`PostgreSQL is required when CI=true, but ${PG_ADMIN_URL} is unreachable: ${reason}`);
    }
    console.warn(
      `\n!!! SKIPPING THE POSTGRESQL HALF OF THE TESTS: ${PG_ADMIN_URL} is unreachable (${reason}). Only SQLite was tested. !!!\n`,
    );
    project.provide('postgresAvailable', false);
  } finally {
    await client.end().catch(() => undefined);
  }
}

/**
 * `OVERLAY_TEST_PG_VIA=pgbouncer`: starts PgBouncer and hands its URL to the test workers, which
 * are started after this and inherit the environment. A run that asked for the pooler and cannot
 * have it fails, in or out of CI: running the suites directly instead would claim what was not tested.
 */
async function startPooler(): Promise<void> {
  const env = await component('pgbouncer');
  const url = env?.OVERLAY_TEST_PGBOUNCER_URL;
  if (!url)
    throw new Error('OVERLAY_TEST_PG_VIA=pgbouncer, but PgBouncer (scripts/components/pgbouncer.sh) could not start');
  process.env.OVERLAY_TEST_PGBOUNCER_URL = url;
}
