import { defineEntity, type OptionalProps, p, type Ref } from '@mikro-orm/core';
import { Company } from './company.js';
import { schemaFor } from './schema-for.js';
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
 * An alert for a company's admins (table `notifications`).
 *
 * @example
 * const { items } = await t.notifications.list({ unreadOnly: true }); // Notification[]
 */
export interface Notification {
  /** Auto-increment id, never reused. */
  id: number;
  /** The owning company (`company_id`, deleted with it). */
  company: Ref<Company>;
  /** The workflow it is about (`workflow_id`, deleted with it), if any. */
  workflow: Ref<Workflow> | null | undefined;
  /** The user who marked it read (`read_by`); null once that user is deleted. */
  readBy: Ref<User> | null | undefined;
  /** What happened: {@link NotificationType}. */
  type: NotificationType;
  /** How bad it is: {@link NotificationSeverity}. */
  severity: NotificationSeverity;
  /** One-line summary. */
  title: string;
  /** Details. */
  message: string | null | undefined;
  /** Where the admin can act on it. */
  actionUrl: string | null | undefined;
  /** Whether an admin marked it read (false by default). */
  read: boolean;
  /** When it was marked read. */
  readAt: Date | null | undefined;
  /** When the row was inserted. */
  createdAt: Date;
  [OptionalProps]?: 'id' | 'read' | 'createdAt';
}

/**
 * The schema of {@link Notification}, for `em.find(Notification, …)` and a host's `entities`.
 *
 * @example
 * const unread = await em.count(Notification, { company: companyId, read: false });
 */
export const Notification = schemaFor<Notification>()(
  defineEntity({
    name: 'Notification',
    tableName: 'notifications',
    properties: {
      id: p.integer().primary().autoincrement(),
      company: p.manyToOne(Company).ref().deleteRule('cascade').updateRule('cascade'),
      workflow: p
        .manyToOne(Workflow)
        .ref()
        .nullable()
        .deleteRule('cascade')
        .updateRule('cascade')
        .index('notifications_workflow_id_index'),
      readBy: p
        .manyToOne(User)
        .ref()
        .fieldName('read_by')
        .nullable()
        .deleteRule('set null')
        .updateRule('cascade')
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
  }),
);
