import { type Database, type Dialect, type OpenDatabaseOptions, openDatabase } from '../../src/index.js';
import { createTestDatabase, type TestDatabase } from './dialects.js';

/**
 * A fresh database of `dialect`, opened (and migrated unless `migrate: false`) with the run's options
 * (`preparedStatements: false` through PgBouncer) under `options`. Close it with `dispose`.
 */
export async function openTestDatabase(
  dialect: Dialect,
  options: OpenDatabaseOptions = {},
): Promise<{ db: Database; target: TestDatabase; dispose: () => Promise<void> }> {
  const target = await createTestDatabase(dialect);
  const db = await openDatabase({ migrate: true, ...target.openOptions, ...options, url: target.url });
  return {
    db,
    target,
    dispose: async () => {
      await db.close();
      await target.drop();
    },
  };
}
