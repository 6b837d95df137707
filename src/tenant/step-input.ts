import {
  ACTION_TYPES,
  type ActionType,
  type StepActionData,
  type StepDomContext,
  type StepElementMeta,
  type StepPageContext,
  type StepSelectors,
} from '../entities/step.js';
import { InvalidInputError } from '../errors.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  optionalJsonText,
  optionalString,
  rejectUnknownKeys,
  requireJsonText,
  requireNumber,
  requireObject,
  requireOneOf,
} from '../validation/validators.js';

/**
 * One recorded step given to {@link WorkflowRepository.create}. Validated with the workflow, before
 * anything is written.
 *
 * @example
 * const step: StepInput = { actionType: 'click', selectors: { primary: '#submit' }, elementMeta: { tag_name: 'button' },
 *   pageContext: { url: 'https://app.example/login' } };
 */
export interface StepInput {
  /** Position in the workflow (≥ 1, unique). Give it for every step or for none (then 1..n in order). */
  stepNumber?: number;
  /** ISO-8601 time of the recording. */
  timestamp?: string | null;
  actionType: ActionType;
  selectors: StepSelectors;
  elementMeta: StepElementMeta;
  pageContext: StepPageContext;
  actionData?: StepActionData | null;
  domContext?: StepDomContext | null;
  /** A screenshot of the same company. */
  screenshotId?: number | null;
}

/**
 * A validated step, numbered, its JSON payloads as the JSON text that is stored (each payload is
 * serialized once, by the validation that measures its size).
 */
export interface ParsedStep {
  stepNumber: number;
  timestamp: string | null;
  actionType: ActionType;
  selectors: string;
  elementMeta: string;
  pageContext: string;
  actionData: string | null;
  domContext: string | null;
  screenshotId: number | null;
}

const STEP_KEYS = [
  'stepNumber',
  'timestamp',
  'actionType',
  'selectors',
  'elementMeta',
  'pageContext',
  'actionData',
  'domContext',
  'screenshotId',
] as const;

/**
 * Validates the steps of a new workflow without touching the database: shapes, action types,
 * JSON payloads, and step numbers (all given and unique, or all omitted and then numbered 1..n).
 *
 * @example
 * const steps = parseStepInputs('steps', input.steps ?? []);
 */
export function parseStepInputs(field: string, value: unknown): ParsedStep[] {
  if (!Array.isArray(value)) throw new InvalidInputError(field, 'expected an array');
  if (value.length > LIMITS.steps) throw new InvalidInputError(field, `at most ${LIMITS.steps} steps`);
  const numbered = value.filter((s) => typeof s === 'object' && s !== null && (s as StepInput).stepNumber != null);
  if (numbered.length !== 0 && numbered.length !== value.length) {
    throw new InvalidInputError(`${field}.stepNumber`, 'give a step number for every step or for none');
  }
  const seen = new Set<number>();
  return value.map((raw, i) => {
    const at = `${field}[${i}]`;
    const step = requireObject(at, raw);
    rejectUnknownKeys(at, step, STEP_KEYS);
    const stepNumber =
      numbered.length === 0
        ? i + 1
        : requireNumber(`${at}.stepNumber`, step.stepNumber, { integer: true, min: 1, max: 2_147_483_647 });
    if (seen.has(stepNumber)) throw new InvalidInputError(`${at}.stepNumber`, `step number ${stepNumber} is repeated`);
    seen.add(stepNumber);
    return {
      stepNumber,
      timestamp: optionalString(`${at}.timestamp`, step.timestamp) ?? null,
      actionType: requireOneOf(`${at}.actionType`, step.actionType, ACTION_TYPES),
      selectors: requireJsonText(`${at}.selectors`, step.selectors, { object: true }),
      elementMeta: requireJsonText(`${at}.elementMeta`, step.elementMeta, { object: true }),
      pageContext: requireJsonText(`${at}.pageContext`, step.pageContext, { object: true }),
      actionData: optionalJsonText(`${at}.actionData`, step.actionData, { object: true }),
      domContext: optionalJsonText(`${at}.domContext`, step.domContext, { object: true }),
      screenshotId: optionalId(`${at}.screenshotId`, step.screenshotId) ?? null,
    };
  });
}
