import type { LifecycleSql } from '../lifecycle-sql.js';

/** The lifecycle SQL of sqlite. */
export const sqliteLifecycleSql: LifecycleSql = Object.freeze({});
