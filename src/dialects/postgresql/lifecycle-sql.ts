import type { LifecycleSql } from '../lifecycle-sql.js';

/** The lifecycle SQL of postgresql. */
export const postgresqlLifecycleSql: LifecycleSql = Object.freeze({});
