import { convertError } from '../database/convert-error.js';
import type { Database } from '../database/database.js';
import { InvalidInputError } from '../errors.js';
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
  if (db?.dialect !== 'postgresql') {
    throw new InvalidInputError('db', 'row-level security is a PostgreSQL feature');
  }
  const statements = rowLevelSecuritySql(options);
  try {
    await db.fork().transactional(async (em) => {
      for (const sql of statements) await em.execute(sql);
    });
  } catch (error) {
    throw convertError(error, 'Enabling row-level security');
  }
}
