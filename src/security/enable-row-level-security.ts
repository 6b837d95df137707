import { convertError } from '../database/convert-error.js';
import type { Database } from '../database/database.js';
import { InvalidInputError } from '../errors.js';
import { dialectOfEm, query, transaction } from '../executor/executor.js';
import { type RowLevelSecurityOptions, rowLevelSecuritySql } from './row-level-security-sql.js';

/**
 * Runs {@link rowLevelSecuritySql} in one transaction on a PostgreSQL database opened as the
 * table owner (after `migrator.up()`). The app then opens the database as `appRole` with
 * `openDatabase({ url, rowLevelSecurity: true })`. The app role must exist already.
 *
 * @example
 * const owner = await openDatabase({ url: OWNER_URL, migrate: true });
 * await enableRowLevelSecurity(owner, { appRole: 'overlay_app' });
 */
export async function enableRowLevelSecurity(db: Database, options: RowLevelSecurityOptions): Promise<void> {
  const em = typeof db?.fork === 'function' ? db.fork() : undefined;
  // A dialect without a tenant setting has no row-level security (SQLite).
  if (em === undefined || dialectOfEm(em).tenant.setTenant === null) {
    throw new InvalidInputError('db', 'row-level security is a PostgreSQL feature');
  }
  const statements = rowLevelSecuritySql(options);
  try {
    // DDL and grants: each text runs once, so none is kept as a named statement.
    await transaction(em, async () => {
      for (const sql of statements) await query(em, sql, [], { prepare: false });
    });
  } catch (error) {
    throw convertError(error, 'Enabling row-level security');
  }
}
