import { InvalidInputError } from '../errors.js';
import { LIMITS } from '../validation/limits.js';
import {
  optionalId,
  optionalString,
  rejectUnknownKeys,
  requireObject,
  requireString,
} from '../validation/validators.js';
import { parseTags } from './parse-tags.js';
import { type ParsedStep, parseStepInputs, type StepInput } from './step-input.js';

/**
 * What {@link WorkflowRepository.create} takes: the workflow and, optionally, its recorded steps.
 *
 * @example
 * const wf = await t.workflows.create({ name: 'Pay invoice', startingUrl: 'https://app.example/invoices', tags: ['finance'], steps });
 */
export interface WorkflowCreateInput {
  name: string;
  startingUrl: string;
  description?: string | null;
  tags?: string[];
  /** A user of the same company. */
  createdBy?: number | null;
  /** The recorded steps; with steps the workflow starts `processing` (awaiting AI labels), else `draft`. */
  steps?: StepInput[];
}

/** A validated {@link WorkflowCreateInput}. */
export interface ParsedWorkflowCreate {
  name: string;
  startingUrl: string;
  description: string | null;
  tags: string[];
  createdBy: number | null;
  steps: ParsedStep[];
}

const KEYS = ['name', 'startingUrl', 'description', 'tags', 'createdBy', 'steps'] as const;

/**
 * Validates a new workflow and its steps, before anything is written.
 *
 * @example
 * const parsed = parseWorkflowCreate({ name: 'Pay invoice', startingUrl: 'https://app.example' });
 */
export function parseWorkflowCreate(value: unknown): ParsedWorkflowCreate {
  const input = requireObject('input', value);
  rejectUnknownKeys('input', input, KEYS);
  if (input.steps !== undefined && input.steps !== null && !Array.isArray(input.steps)) {
    throw new InvalidInputError('steps', 'expected an array');
  }
  return {
    name: requireString('name', input.name),
    startingUrl: requireString('startingUrl', input.startingUrl, { max: LIMITS.url }),
    description: optionalString('description', input.description, { max: LIMITS.longText, allowEmpty: true }) ?? null,
    tags: input.tags === undefined ? [] : parseTags('tags', input.tags),
    createdBy: optionalId('createdBy', input.createdBy) ?? null,
    steps: parseStepInputs('steps', input.steps ?? []),
  };
}
