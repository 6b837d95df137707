/**
 * The SQL of the migration code that differs between SQLite and PostgreSQL. Implemented once per
 * dialect in `sqlite/migration-sql.ts` and `postgresql/migration-sql.ts`.
 */
// biome-ignore lint/complexity/noBannedTypes: filled in as the migration code moves its dialect differences here
export type MigrationSql = {};
