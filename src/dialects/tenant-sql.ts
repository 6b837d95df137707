/**
 * The SQL of the tenant code that differs between SQLite and PostgreSQL. Implemented once per
 * dialect in `sqlite/tenant-sql.ts` and `postgresql/tenant-sql.ts`.
 */
// biome-ignore lint/complexity/noBannedTypes: filled in as the tenant code moves its dialect differences here
export type TenantSql = {};
