import type { SqlDialect } from '../dialects/dialect.js';
import { InvalidInputError } from '../errors.js';
import type { SqlParam } from '../executor/executor.js';
import { cursorId, cursorTime, decodeCursor } from '../tenant/cursor.js';
import { readColumns } from '../tenant/read-columns.js';

/**
 * Options of {@link NotificationRepository.list}.
 *
 * @example
 * const page = await t.notifications.list({ unreadOnly: true, limit: 20 });
 */
export interface ListNotificationsOptions {
  /** Only unread notifications (default false). */
  unreadOnly?: boolean;
  /** Page size, 1..500 (default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
}

/**
 * The one statement of a notification page: unread first, then read, each newest first (ties by
 * id). Each half is its own index range of (company_id, read, created_at) read backwards with its
 * own LIMIT, so a page costs O(limit) however many notifications the company (or anyone) has.
 * The row's exact created_at text is selected as `cursor_at` for the next cursor.
 *
 * @example
 * const { sql, params } = buildNotificationListQuery(dialectOfEm(em), companyId, { unreadOnly: false, limit: 50, cursor: null });
 * const rows = await query(em, sql, params); // limit + 1 rows at most: one more means a next page
 */
export function buildNotificationListQuery(
  dialect: SqlDialect,
  companyId: number,
  options: { unreadOnly: boolean; limit: number; cursor: string | null | undefined },
): { sql: string; params: SqlParam[] } {
  let after: { read: boolean; at: string; id: number } | null = null;
  if (options.cursor !== undefined && options.cursor !== null) {
    const [read, at, id] = decodeCursor('cursor', options.cursor, 3);
    if (typeof read !== 'boolean') throw new InvalidInputError('cursor', 'not a cursor returned by this library');
    after = { read, at: cursorTime('cursor', at), id: cursorId('cursor', id) };
  }
  const half = (read: boolean): { sql: string; params: SqlParam[] } | null => {
    if (read && options.unreadOnly) return null;
    // Unread rows all come before read rows: a cursor inside the read half skips the unread half.
    if (!read && after?.read) return null;
    const params: SqlParam[] = [companyId];
    let keyset = '';
    if (after && after.read === read) {
      keyset = ' and n."created_at" <= ? and (n."created_at" < ? or n."id" < ?)';
      params.push(after.at, after.at, after.id);
    }
    params.push(options.limit + 1);
    return {
      sql:
        `select ${readColumns('notifications', 'n')}, ${dialect.timestampText('n."created_at"')} as cursor_at ` +
        `from "notifications" n where n."company_id" = ? and n."read" = ${read ? 'true' : 'false'}${keyset} ` +
        'order by n."created_at" desc, n."id" desc limit ?',
      params,
    };
  };
  const parts = [half(false), half(true)].filter((p): p is { sql: string; params: SqlParam[] } => p !== null);
  // One half only (unread only, or a cursor in the read half): its own query is the page.
  if (parts.length === 1) return { sql: parts[0].sql, params: parts[0].params };
  return {
    sql: `${parts.map((p, i) => `select * from (${p.sql}) ${i === 0 ? 'u' : 'r'}`).join(' union all ')} order by "read" asc, cursor_at desc, "id" desc limit ?`,
    params: [...parts.flatMap((p) => p.params), options.limit + 1],
  };
}
