import { HEALING_METHODS, type HealingMethod, type StepHealedSelectors } from '../entities/step.js';
import { InvalidInputError } from '../errors.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  optionalJson,
  optionalNumber,
  optionalString,
  rejectUnknownKeys,
  requireDate,
  requireObject,
  requireOneOf,
} from '../validation/validators.js';

/**
 * What {@link StepRepository.update} may change: an admin's label edits, auto-healing results, the
 * screenshot. Keys left out are not changed; `null` clears.
 *
 * @example
 * await t.steps.update(stepId, { fieldLabel: 'Invoice number' }, { editedBy: adminId });
 */
export interface StepPatch {
  /** An admin's edit: sets `labelEdited`, `editedAt` and `editedBy`. */
  fieldLabel?: string | null;
  /** An admin's edit: sets `instructionEdited`, `editedAt` and `editedBy`. */
  instruction?: string | null;
  healedSelectors?: StepHealedSelectors | null;
  /** Defaults to now when `healedSelectors` is given without it. */
  healedAt?: Date | string | null;
  /** 0..1 */
  healingConfidence?: number | null;
  healingMethod?: HealingMethod | null;
  /** A screenshot of the same company, or null. */
  screenshotId?: number | null;
}

/**
 * Options of {@link StepRepository.update}.
 *
 * @example
 * await t.steps.update(stepId, { instruction: 'Type the invoice number' }, { editedBy: adminId });
 */
export interface StepUpdateOptions {
  /** The user making a label or instruction edit; must be a user of the same company. */
  editedBy?: number | null;
}

/** A validated {@link StepPatch} with dates parsed. */
export interface ParsedStepPatch {
  fieldLabel?: string | null;
  instruction?: string | null;
  healedSelectors?: StepHealedSelectors | null;
  healedAt?: Date | null;
  healingConfidence?: number | null;
  healingMethod?: HealingMethod | null;
  screenshotId?: number | null;
}

const KEYS = [
  'fieldLabel',
  'instruction',
  'healedSelectors',
  'healedAt',
  'healingConfidence',
  'healingMethod',
  'screenshotId',
] as const;

/**
 * Validates a partial step update; unknown keys are INVALID_INPUT. Returns only the keys given.
 *
 * @example
 * parseStepPatch({ fieldLabel: 'Invoice number' });
 */
export function parseStepPatch(value: unknown): ParsedStepPatch {
  const patch = requireObject('patch', value);
  rejectUnknownKeys('patch', patch, KEYS);
  const out: ParsedStepPatch = {};
  if (patch.fieldLabel !== undefined) out.fieldLabel = optionalString('fieldLabel', patch.fieldLabel) ?? null;
  if (patch.instruction !== undefined) {
    out.instruction = optionalString('instruction', patch.instruction, { max: LIMITS.longText }) ?? null;
  }
  if (patch.healedSelectors !== undefined) {
    out.healedSelectors =
      optionalJson<StepHealedSelectors>('healedSelectors', patch.healedSelectors, { object: true }) ?? null;
  }
  if (patch.healedAt !== undefined)
    out.healedAt = patch.healedAt === null ? null : requireDate('healedAt', patch.healedAt);
  if (patch.healingConfidence !== undefined) {
    out.healingConfidence = optionalNumber('healingConfidence', patch.healingConfidence, { min: 0, max: 1 }) ?? null;
  }
  if (patch.healingMethod !== undefined) {
    out.healingMethod =
      patch.healingMethod === null ? null : requireOneOf('healingMethod', patch.healingMethod, HEALING_METHODS);
  }
  if (patch.screenshotId !== undefined) out.screenshotId = optionalId('screenshotId', patch.screenshotId) ?? null;
  return out;
}

/**
 * Validates the options of `steps.update`.
 *
 * @example
 * parseStepUpdateOptions({ editedBy: 3 });
 */
export function parseStepUpdateOptions(value: unknown): { editedBy: number | null } {
  if (value === undefined) return { editedBy: null };
  const options = requireObject('options', value);
  rejectUnknownKeys('options', options, ['editedBy']);
  if (options.editedBy !== undefined && options.editedBy !== null && typeof options.editedBy !== 'number') {
    throw new InvalidInputError('editedBy', 'expected a user id');
  }
  return { editedBy: optionalId('editedBy', options.editedBy) ?? null };
}
