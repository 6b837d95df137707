import { WORKFLOW_STATUSES, type WorkflowStatus } from '../entities/workflow.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalString,
  rejectUnknownKeys,
  requireObject,
  requireOneOf,
  requireString,
} from '../validation/validators.js';
import { parseTags } from './parse-tags.js';

/**
 * What {@link WorkflowRepository.update} may change. Health metrics (success rate, uses, failures,
 * last runs) are not here: they follow from recorded runs.
 *
 * @example
 * await t.workflows.update(workflowId, { status: 'active', tags: ['finance'] });
 */
export interface WorkflowPatch {
  name?: string;
  startingUrl?: string;
  description?: string | null;
  tags?: string[];
  /** Checked against the allowed status transitions. */
  status?: WorkflowStatus;
}

const KEYS = ['name', 'startingUrl', 'description', 'tags', 'status'] as const;

/**
 * Validates a partial workflow update; unknown keys are INVALID_INPUT. Returns only the keys given.
 *
 * @example
 * parseWorkflowPatch({ status: 'active' }); // { status: 'active' }
 */
export function parseWorkflowPatch(value: unknown): WorkflowPatch {
  const patch = requireObject('patch', value);
  rejectUnknownKeys('patch', patch, KEYS);
  const out: WorkflowPatch = {};
  if (patch.name !== undefined) out.name = requireString('name', patch.name);
  if (patch.startingUrl !== undefined)
    out.startingUrl = requireString('startingUrl', patch.startingUrl, { max: LIMITS.url });
  if (patch.description !== undefined) {
    out.description =
      optionalString('description', patch.description, { max: LIMITS.longText, allowEmpty: true }) ?? null;
  }
  if (patch.tags !== undefined) out.tags = parseTags('tags', patch.tags);
  if (patch.status !== undefined) out.status = requireOneOf('status', patch.status, WORKFLOW_STATUSES);
  return out;
}
