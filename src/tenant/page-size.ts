/**
 * The page size of every list call that is not given a `limit` (at most `LIMITS.pageSize`).
 * One value for workflows, health logs and notifications, so dashboards page alike.
 */
export const DEFAULT_PAGE_SIZE = 50;
