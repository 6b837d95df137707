import { defineEntity, type InferEntity, p } from '@mikro-orm/core';
import { Company } from './company.js';
import { createdAt, optionalTimestamp } from './timestamps.js';
import { User } from './user.js';
import { Workflow } from './workflow.js';

/**
 * Kinds of admin alert.
 *
 * @example
 * await t.notifications.create({ type: NOTIFICATION_TYPES[0], severity: 'error', title: 'Broken' });
 */
export const NOTIFICATION_TYPES = [
  'workflow_broken',
  'workflow_healed',
  'low_confidence',
  'high_failure_rate',
] as const;
/**
 * One of {@link NOTIFICATION_TYPES}.
 *
 * @example
 * const type: NotificationType = 'workflow_healed';
 */
export type NotificationType = (typeof NOTIFICATION_TYPES)[number];

/**
 * Severities, enforced by a CHECK constraint.
 *
 * @example
 * const worst = NOTIFICATION_SEVERITIES.at(-1); // 'error'
 */
export const NOTIFICATION_SEVERITIES = ['info', 'warning', 'error'] as const;
/**
 * One of {@link NOTIFICATION_SEVERITIES}.
 *
 * @example
 * const severity: NotificationSeverity = 'warning';
 */
export type NotificationSeverity = (typeof NOTIFICATION_SEVERITIES)[number];

/**
 * An alert for a company's admins.
 *
 * @example
 * const { items } = await t.notifications.list({ unreadOnly: true }); // Notification[]
 */
export const Notification = defineEntity({
  name: 'Notification',
  tableName: 'notifications',
  properties: {
    id: p.integer().primary().autoincrement(),
    company: p.manyToOne(Company).ref().deleteRule('cascade'),
    workflow: p.manyToOne(Workflow).ref().nullable().deleteRule('cascade').index('notifications_workflow_id_index'),
    readBy: p
      .manyToOne(User)
      .ref()
      .fieldName('read_by')
      .nullable()
      .deleteRule('set null')
      .index('notifications_read_by_index'),
    type: p.text().$type<NotificationType>(),
    severity: p.enum([...NOTIFICATION_SEVERITIES]),
    title: p.text(),
    message: p.text().nullable(),
    actionUrl: p.text().nullable(),
    read: p.boolean().default(false),
    readAt: optionalTimestamp(),
    createdAt: createdAt(),
  },
  indexes: [
    {
      name: 'notifications_company_id_read_created_at_index',
      properties: ['company', 'read', 'createdAt'],
    },
  ],
});
export type Notification = InferEntity<typeof Notification>;
