import type { TenantSql } from '../tenant-sql.js';

/** The tenant SQL of postgresql. */
export const postgresqlTenantSql: TenantSql = Object.freeze({});
