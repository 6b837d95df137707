import type { Dialect } from '../../src/index.js';

/** Admin connection used to create and drop the per-test databases. */
export const PG_ADMIN_URL = process.env.OVERLAY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

/**
 * `OVERLAY_TEST_PG_VIA=pgbouncer`: the library's own PostgreSQL connections go through PgBouncer in
 * transaction mode (scripts/components/pgbouncer.sh, started by the global setup) with
 * `preparedStatements: false`, while the admin work (create and drop database, roles) stays direct.
 */
export const PG_VIA_POOLER = process.env.OVERLAY_TEST_PG_VIA === 'pgbouncer';

/** The dialects this run covers: `DIALECTS=sqlite,postgresql` (the default is both). */
export function requestedDialects(): Dialect[] {
  const raw = (process.env.DIALECTS ?? 'sqlite,postgresql')
    .split(',')
    .map((d) => d.trim())
    .filter(Boolean);
  for (const d of raw) if (d !== 'sqlite' && d !== 'postgresql') throw new Error(`Unknown dialect in DIALECTS: ${d}`);
  return raw as Dialect[];
}
