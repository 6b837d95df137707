// Once ANALYZE has written sqlite_stat4 (better-sqlite3 is built with STAT4; node:sqlite is not),
// SQLite chooses between indexes by looking bound values up there, and marks such a statement to be
// prepared again whenever its parameters are bound anew: on every run (a one-step workflow's read
// cost 15× its planned-once cost, the health summary's windows 2.15×). Unary `+` returns its
// operand unchanged, but the planner does not look an expression up, and an index still serves the
// comparison. PostgreSQL rejects `+` on an untyped parameter, so the form is SQLite's alone.

/**
 * The placeholder of a compared value that must not decide a SQLite statement's plan.
 *
 * @example
 * const sql = `select … from "steps" where "workflow_id" = ${PLANNED_ONCE}`; // '… = +?'
 */
export const PLANNED_ONCE = '+?';
