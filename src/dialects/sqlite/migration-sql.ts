import type { MigrationSql } from '../migration-sql.js';

/** The migration SQL of sqlite. */
export const sqliteMigrationSql: MigrationSql = Object.freeze({});
