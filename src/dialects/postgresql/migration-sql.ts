import type { MigrationSql } from '../migration-sql.js';

/** The migration SQL of postgresql. */
export const postgresqlMigrationSql: MigrationSql = Object.freeze({});
