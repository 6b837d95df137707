import pg from 'pg';

/**
 * How many client connections PgBouncer holds for `database` now (its admin console's SHOW CLIENTS):
 * behind PgBouncer the server's backends are PgBouncer's own pool, so the library's connections are
 * counted here. Only in a run with `OVERLAY_TEST_PG_VIA=pgbouncer` (the global setup sets the URL).
 *
 * @example
 * expect(await pgbouncerClients(target.name)).toBeGreaterThanOrEqual(10);
 */
export async function pgbouncerClients(database: string): Promise<number> {
  const base = process.env.OVERLAY_TEST_PGBOUNCER_URL;
  if (!base) throw new Error('pgbouncerClients needs OVERLAY_TEST_PGBOUNCER_URL (OVERLAY_TEST_PG_VIA=pgbouncer)');
  // The admin console speaks the simple query protocol only: a query without parameters.
  const admin = new pg.Client({ connectionString: new URL('pgbouncer', base).toString() });
  await admin.connect();
  try {
    const { rows } = await admin.query<{ database: string }>('show clients');
    return rows.filter((row) => row.database === database).length;
  } finally {
    await admin.end();
  }
}
