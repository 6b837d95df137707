import type { HealthStatus } from '../entities/health-log.js';
import type { NotificationSeverity, NotificationType } from '../entities/notification.js';
import type { WorkflowStatus } from '../entities/workflow.js';

/**
 * A heal at or above this confidence is trusted: the step's healed selectors are updated. A heal
 * recorded without a confidence is trusted too.
 *
 * @example
 * const updatesStep = healingConfidence >= HEALING_TRUSTED_CONFIDENCE; // 0.8
 */
export const HEALING_TRUSTED_CONFIDENCE = 0.8;
/**
 * A heal at or above this (and below the trusted level) flags the workflow `needs_review`; below
 * it, `broken`.
 *
 * @example
 * const needsReview = confidence >= HEALING_REVIEW_CONFIDENCE && confidence < HEALING_TRUSTED_CONFIDENCE;
 */
export const HEALING_REVIEW_CONFIDENCE = 0.6;
/**
 * Consecutive failed runs that mark a workflow broken when the company sets no
 * `brokenAfterFailures` (a positive integer in {@link CompanySettings}).
 *
 * @example
 * const threshold = company.settings.brokenAfterFailures ?? DEFAULT_BROKEN_AFTER_FAILURES;
 */
export const DEFAULT_BROKEN_AFTER_FAILURES = 3;

/** What a run does to its workflow, decided from the workflow's state read under a row lock. */
export interface RunEffects {
  /** The run counts as successful for `successRate` (success or any heal). */
  ok: boolean;
  /** The workflow's status after the run. */
  status: WorkflowStatus;
  /** The workflow's failure streak after the run. */
  consecutiveFailures: number;
  /** The heal is trusted: write the healed selectors to the step. */
  healStep: boolean;
  /** The notification the status change calls for, if any (only on a change, never per run). */
  notification: { type: NotificationType; severity: NotificationSeverity; reason: RunNotificationReason } | null;
}

/** Why a run raised a notification. */
export type RunNotificationReason = 'failure_streak' | 'untrusted_heal' | 'low_confidence_heal' | 'recovered';

/**
 * The health rules of one run, as a pure function. A success or trusted heal (≥ 0.80) revives a
 * `broken`/`needs_review` workflow to `active`; a heal in [0.60, 0.80) flags `needs_review`; a heal
 * below 0.60, or `brokenAfterFailures` failures in a row, marks it `broken`. Notifications are
 * raised only when the status changes, so a broken workflow that keeps failing raises one alert.
 * An `archived` workflow never changes status and raises nothing.
 *
 * @example
 * decideRunEffects({ status: 'active', consecutiveFailures: 2 }, { status: 'failed' }, 3).status; // 'broken'
 */
export function decideRunEffects(
  workflow: { status: WorkflowStatus; consecutiveFailures: number },
  run: { status: HealthStatus; healingConfidence?: number | null },
  brokenAfterFailures: number,
): RunEffects {
  const ok = run.status !== 'failed';
  const consecutiveFailures = ok ? 0 : workflow.consecutiveFailures + 1;
  const healed = run.status === 'healed_deterministic' || run.status === 'healed_ai';
  const confidence = healed ? (run.healingConfidence ?? null) : null;
  // A heal without a reported confidence is taken as the replayer's own success.
  const tier =
    confidence === null
      ? 'trusted'
      : confidence >= HEALING_TRUSTED_CONFIDENCE
        ? 'trusted'
        : confidence >= HEALING_REVIEW_CONFIDENCE
          ? 'review'
          : 'untrusted';
  const healStep = healed && tier === 'trusted';
  const from = workflow.status;
  if (from === 'archived') return { ok, status: from, consecutiveFailures, healStep, notification: null };

  let status: WorkflowStatus = from;
  let reason: RunNotificationReason | null = null;
  if (!ok) {
    if (consecutiveFailures >= brokenAfterFailures) [status, reason] = ['broken', 'failure_streak'];
  } else if (tier === 'untrusted') {
    [status, reason] = ['broken', 'untrusted_heal'];
  } else if (tier === 'review') {
    [status, reason] = ['needs_review', 'low_confidence_heal'];
  } else if (from === 'broken' || from === 'needs_review') {
    [status, reason] = ['active', 'recovered'];
  }
  if (status === from || reason === null)
    return { ok, status: from, consecutiveFailures, healStep, notification: null };
  const notification =
    status === 'broken'
      ? { type: 'workflow_broken' as const, severity: 'error' as const, reason }
      : status === 'needs_review'
        ? { type: 'low_confidence' as const, severity: 'warning' as const, reason }
        : { type: 'workflow_healed' as const, severity: 'info' as const, reason };
  return { ok, status, consecutiveFailures, healStep, notification };
}

/** The company's `brokenAfterFailures` setting if it is a positive integer, else the default (3). */
export function brokenAfterFailuresOf(settings: unknown): number {
  const value =
    typeof settings === 'object' && settings !== null
      ? (settings as { brokenAfterFailures?: unknown }).brokenAfterFailures
      : undefined;
  return typeof value === 'number' && Number.isSafeInteger(value) && value >= 1 ? value : DEFAULT_BROKEN_AFTER_FAILURES;
}
