import type { WorkflowStatus } from '../entities/workflow.js';
import { InvalidInputError } from '../errors.js';

/**
 * Every status change a workflow may make, keyed by its current status. Setting the status it
 * already has is always allowed (a no-op). The one table serves admin edits, AI labeling and
 * run outcomes alike:
 *
 * | from         | to                                                  | typical cause |
 * |--------------|-----------------------------------------------------|---------------|
 * | draft        | processing, active, needs_review, broken, archived  | re-label, publish, run outcome, archive |
 * | processing   | draft, needs_review, broken, archived               | every step labeled, run outcome, archive |
 * | active       | draft, needs_review, broken, archived               | unpublish to edit, run outcome, archive |
 * | needs_review | active, draft, broken, archived                     | successful run / admin approval, run outcome |
 * | broken       | active, draft, needs_review, archived               | successful run / fix, low-confidence heal |
 * | archived     | draft                                               | restore (archived is otherwise terminal) |
 *
 * `processing → active` is refused on purpose: a workflow is published only after its labels
 * exist and an admin saw it as a draft.
 *
 * @example
 * const nextStatuses = WORKFLOW_STATUS_TRANSITIONS[workflow.status]; // e.g. a status menu's choices
 */
export const WORKFLOW_STATUS_TRANSITIONS: Readonly<Record<WorkflowStatus, readonly WorkflowStatus[]>> = Object.freeze({
  draft: Object.freeze(['processing', 'active', 'needs_review', 'broken', 'archived'] as const),
  processing: Object.freeze(['draft', 'needs_review', 'broken', 'archived'] as const),
  active: Object.freeze(['draft', 'needs_review', 'broken', 'archived'] as const),
  needs_review: Object.freeze(['active', 'draft', 'broken', 'archived'] as const),
  broken: Object.freeze(['active', 'draft', 'needs_review', 'archived'] as const),
  archived: Object.freeze(['draft'] as const),
});

/**
 * True when a workflow in status `from` may move to `to` (per {@link WORKFLOW_STATUS_TRANSITIONS};
 * `from === to` is always allowed).
 *
 * @example
 * canTransitionStatus('archived', 'active'); // false
 */
export function canTransitionStatus(from: WorkflowStatus, to: WorkflowStatus): boolean {
  if (from === to) return true;
  const allowed = WORKFLOW_STATUS_TRANSITIONS[from] as readonly string[] | undefined;
  return allowed?.includes(to) === true;
}

/**
 * Throws INVALID_INPUT (field `status`) unless a workflow in status `from` may move to `to`
 * (per {@link WORKFLOW_STATUS_TRANSITIONS}; `from === to` is always allowed).
 *
 * @example
 * assertStatusTransition('draft', 'active');      // ok
 * assertStatusTransition('archived', 'active');   // throws InvalidInputError('status', …)
 */
export function assertStatusTransition(from: WorkflowStatus, to: WorkflowStatus): void {
  if (!canTransitionStatus(from, to)) {
    const allowed = (WORKFLOW_STATUS_TRANSITIONS[from] as readonly string[] | undefined) ?? [];
    throw new InvalidInputError(
      'status',
      `a ${String(from)} workflow cannot become ${String(to)} (allowed: ${allowed.join(', ') || 'none'})`,
    );
  }
}
