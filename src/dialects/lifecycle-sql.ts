/**
 * The SQL of the lifecycle code that differs between SQLite and PostgreSQL. Implemented once per
 * dialect in `sqlite/lifecycle-sql.ts` and `postgresql/lifecycle-sql.ts`.
 */
// biome-ignore lint/complexity/noBannedTypes: filled in as the lifecycle code moves its dialect differences here
export type LifecycleSql = {};
