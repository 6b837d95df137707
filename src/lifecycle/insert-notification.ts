import type { SqlEntityManager } from '@mikro-orm/sql';
import type { SqlDialect } from '../dialects/dialect.js';
import { Notification, type NotificationSeverity, type NotificationType } from '../entities/notification.js';
import { query, type SqlParam } from '../executor/executor.js';
import { mapRows } from '../tenant/map-rows.js';
import { readColumns } from '../tenant/read-columns.js';
import type { ReferenceSource } from '../tenant/reference-source.js';
import { insertReturningSql, sqlTimestamp } from './sql.js';

/**
 * The columns of a notification row, already validated (see {@link insertNotification}).
 *
 * @example
 * const values: NotificationValues = { companyId, workflowId: null, type: 'high_failure_rate', severity: 'info',
 *   title: 'Maintenance tonight', message: null, actionUrl: null, createdAt: new Date() };
 */
export interface NotificationValues {
  companyId: number;
  workflowId: number | null;
  type: NotificationType;
  severity: NotificationSeverity;
  title: string;
  message: string | null;
  actionUrl: string | null;
  createdAt: Date;
}

/**
 * Inserts one notification in one statement and returns it (a detached entity). With a
 * `workflowId` the row is written only if that workflow belongs to the same company; `null` is
 * returned when it does not (the caller turns that into CROSS_TENANT_REFERENCE).
 *
 * @example
 * const note = await insertNotification(em, refs, dialectOfEm(em), { companyId, workflowId, type: 'workflow_broken',
 *   severity: 'error', title: 'Broken', message: null, actionUrl: null, createdAt: new Date() });
 */
export async function insertNotification(
  em: SqlEntityManager,
  refs: ReferenceSource,
  dialect: SqlDialect,
  values: NotificationValues,
): Promise<Notification | null> {
  const row: Record<string, SqlParam> = {
    company_id: values.companyId,
    workflow_id: values.workflowId,
    type: values.type,
    severity: values.severity,
    title: values.title,
    message: values.message,
    action_url: values.actionUrl,
    read: false,
    created_at: sqlTimestamp(values.createdAt),
  };
  let rows: Record<string, unknown>[];
  if (values.workflowId === null) {
    const { sql, params } = insertReturningSql('notifications', row);
    rows = await query(em, sql, params);
  } else {
    // insert … select … where exists: the tenant check and the write are one atomic statement.
    const columns = Object.keys(row);
    const placeholders = columns.map((c) => (c === 'created_at' ? dialect.lifecycle.timestampParameter : '?'));
    rows = await query(
      em,
      `insert into "notifications" (${columns.map((c) => `"${c}"`).join(', ')}) ` +
        `select ${placeholders.join(', ')} ` +
        `where exists (select 1 from "workflows" w where w."id" = ? and w."company_id" = ?) returning ${readColumns('notifications')}`,
      [...columns.map((c) => row[c]), values.workflowId, values.companyId],
    );
  }
  return rows.length === 0 ? null : mapRows(refs, Notification, rows)[0];
}
