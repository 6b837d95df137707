import type { TenantSql } from '../tenant-sql.js';

/** The tenant SQL of sqlite. */
export const sqliteTenantSql: TenantSql = Object.freeze({});
