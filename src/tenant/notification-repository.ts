import { convertError } from '../database/convert-error.js';
import {
  NOTIFICATION_SEVERITIES,
  NOTIFICATION_TYPES,
  Notification,
  type NotificationSeverity,
  type NotificationType,
} from '../entities/notification.js';
import { CrossTenantReferenceError, NotFoundError } from '../errors.js';
import { query, READ } from '../executor/executor.js';
import { insertNotification } from '../lifecycle/insert-notification.js';
import { buildNotificationListQuery, type ListNotificationsOptions } from '../lifecycle/list-notifications.js';
import { sqlBoolean } from '../lifecycle/sql.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  optionalString,
  rejectUnknownKeys,
  requireBoolean,
  requireId,
  requireNumber,
  requireObject,
  requireOneOf,
  requireString,
} from '../validation/validators.js';
import { keysetPage } from './keyset.js';
import { mapRows } from './map-rows.js';
import { DEFAULT_PAGE_SIZE } from './page-size.js';
import { readColumns } from './read-columns.js';
import type { TenantContext } from './tenant-context.js';

export type { ListNotificationsOptions } from '../lifecycle/list-notifications.js';

/**
 * What {@link NotificationRepository.create} takes: an admin notification of this company,
 * optionally about one of its workflows.
 *
 * @example
 * await t.notifications.create({ type: 'high_failure_rate', title: 'Checkout fails 4 runs in 10', workflowId });
 */
export interface NotificationInput {
  type: NotificationType;
  /** Default: `error` for workflow_broken, `info` for workflow_healed, `warning` otherwise. */
  severity?: NotificationSeverity;
  title: string;
  message?: string | null;
  actionUrl?: string | null;
  /** A workflow of this company, or none. */
  workflowId?: number | null;
}

/**
 * A page of {@link NotificationRepository.list}, unread first; pass `nextCursor` back as `cursor`
 * for the next page (null: last page).
 *
 * @example
 * const page: NotificationPage = await t.notifications.list({ unreadOnly: true });
 */
export interface NotificationPage {
  items: Notification[];
  nextCursor: string | null;
}

/**
 * The severity a notification type gets when `t.notifications.create` is not told one.
 *
 * @example
 * DEFAULT_NOTIFICATION_SEVERITY.workflow_broken; // 'error'
 */
export const DEFAULT_NOTIFICATION_SEVERITY: Readonly<Record<NotificationType, NotificationSeverity>> = Object.freeze({
  workflow_broken: 'error',
  workflow_healed: 'info',
  low_confidence: 'warning',
  high_failure_rate: 'warning',
});

const INPUT_KEYS = ['type', 'severity', 'title', 'message', 'actionUrl', 'workflowId'] as const;

let construct: (ctx: TenantContext) => NotificationRepository;

/**
 * The NotificationRepository of a scope's context (the class's constructor is private). Internal.
 *
 * @example
 * const repository = notificationRepository(ctx);
 */
export function notificationRepository(ctx: TenantContext): NotificationRepository {
  return construct(ctx);
}

/**
 * A company's admin notifications (`t.notifications`). Every read is filtered by the scope's
 * company and every write is stamped with it; ids of other companies behave as missing.
 *
 * @example
 * const { items, nextCursor } = await t.notifications.list({ unreadOnly: true, limit: 20 });
 * await t.notifications.markRead(items[0].id, adminId);
 */
export class NotificationRepository {
  readonly #ctx: TenantContext;

  static {
    construct = (ctx) => new NotificationRepository(ctx);
  }

  // Private: a host gets repositories only from a tenant scope, and the declaration names no internal type.
  private constructor(ctx: TenantContext) {
    this.#ctx = ctx;
  }

  /**
   * Creates a notification after validating every field; a `workflowId` of another company is
   * CROSS_TENANT_REFERENCE and nothing is written.
   *
   * @example
   * await t.notifications.create({ type: 'high_failure_rate', title: 'Checkout fails often', workflowId: 7 });
   */
  async create(input: NotificationInput): Promise<Notification> {
    const data = requireObject('input', input);
    rejectUnknownKeys('input', data, INPUT_KEYS);
    const type = requireOneOf('type', data.type, NOTIFICATION_TYPES);
    const severity =
      data.severity === undefined
        ? DEFAULT_NOTIFICATION_SEVERITY[type]
        : requireOneOf('severity', data.severity, NOTIFICATION_SEVERITIES);
    const title = requireString('title', data.title, { max: LIMITS.shortText });
    const message = optionalString('message', data.message, { max: LIMITS.longText, allowEmpty: true }) ?? null;
    const actionUrl = optionalString('actionUrl', data.actionUrl, { max: LIMITS.url }) ?? null;
    const workflowId = optionalId('workflowId', data.workflowId) ?? null;
    try {
      const created = await insertNotification(this.#ctx.em, this.#ctx.references(), this.#ctx.dialect, {
        companyId: this.#ctx.companyId,
        workflowId,
        type,
        severity,
        title,
        message,
        actionUrl,
        createdAt: new Date(),
      });
      if (!created) throw new CrossTenantReferenceError('workflowId', workflowId);
      return created;
    } catch (error) {
      throw convertError(error, 'Creating the notification');
    }
  }

  /**
   * One page of notifications: unread first, then read, each newest first. Keyset-paginated:
   * pass `nextCursor` back as `cursor`; a page costs the same however deep it is.
   *
   * @example
   * let page = await t.notifications.list({ limit: 50 });
   * while (page.nextCursor) page = await t.notifications.list({ cursor: page.nextCursor });
   */
  async list(options: ListNotificationsOptions = {}): Promise<NotificationPage> {
    const opts = requireObject('options', options);
    rejectUnknownKeys('options', opts, ['unreadOnly', 'limit', 'cursor']);
    const unreadOnly = opts.unreadOnly === undefined ? false : requireBoolean('unreadOnly', opts.unreadOnly);
    const limit =
      opts.limit === undefined
        ? DEFAULT_PAGE_SIZE
        : requireNumber('limit', opts.limit, { integer: true, min: 1, max: LIMITS.pageSize });
    const { sql, params } = buildNotificationListQuery(this.#ctx.dialect, this.#ctx.companyId, {
      unreadOnly,
      limit,
      cursor: opts.cursor as string | null | undefined,
    });
    try {
      const rows = await query(this.#ctx.em, sql, params, READ);
      return keysetPage(
        rows,
        limit,
        (page) => mapRows(this.#ctx.references(), Notification, page),
        (last) => [sqlBoolean(last.read)],
      );
    } catch (error) {
      throw convertError(error, 'Listing notifications');
    }
  }

  /**
   * Marks one notification read by `userId` (a user of this company, else
   * CROSS_TENANT_REFERENCE) and returns it. A missing or foreign notification is NOT_FOUND.
   * Marking an already-read notification again keeps its first `readAt` and `readBy`.
   *
   * @example
   * const n = await t.notifications.markRead(notificationId, adminId); // n.read === true
   */
  async markRead(id: number, userId: number): Promise<Notification> {
    requireId('id', id);
    requireId('userId', userId);
    const { em, companyId } = this.#ctx;
    try {
      // One statement on the common path; the tenant check of the user is part of its WHERE.
      const rows = await query(
        em,
        'update "notifications" set "read" = true, "read_at" = coalesce("read_at", ?), "read_by" = coalesce("read_by", ?) ' +
          'where "id" = ? and "company_id" = ? ' +
          `and exists (select 1 from "users" u where u."id" = ? and u."company_id" = ?) returning ${readColumns('notifications')}`,
        [new Date().toISOString(), userId, id, companyId, userId, companyId],
      );
      if (rows.length > 0) return mapRows(this.#ctx.references(), Notification, rows)[0];
      await this.#assertUser(userId);
      throw new NotFoundError('Notification', id);
    } catch (error) {
      throw convertError(error, 'Marking the notification read');
    }
  }

  /**
   * Marks every unread notification of the company read by `userId` (a user of this company,
   * else CROSS_TENANT_REFERENCE) and returns how many changed.
   *
   * @example
   * const changed = await t.notifications.markAllRead(adminId);
   */
  async markAllRead(userId: number): Promise<number> {
    requireId('userId', userId);
    const { em, companyId } = this.#ctx;
    try {
      const rows = await query(
        em,
        'update "notifications" set "read" = true, "read_at" = ?, "read_by" = ? ' +
          'where "company_id" = ? and "read" = false ' +
          'and exists (select 1 from "users" u where u."id" = ? and u."company_id" = ?) returning "id"',
        [new Date().toISOString(), userId, companyId, userId, companyId],
      );
      if (rows.length === 0) await this.#assertUser(userId);
      return rows.length;
    } catch (error) {
      throw convertError(error, 'Marking notifications read');
    }
  }

  async #assertUser(userId: number): Promise<void> {
    const rows = await query(this.#ctx.em, 'select 1 as ok from "users" where "id" = ? and "company_id" = ?', [
      userId,
      this.#ctx.companyId,
    ]);
    if (rows.length === 0) throw new CrossTenantReferenceError('userId', userId);
  }
}
