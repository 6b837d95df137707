import { InvalidInputError } from '../errors.js';
import { LIMITS } from '../validation/limits.js';
import { requireString } from '../validation/validators.js';

/**
 * Validates a workflow's tags: an array of at most {@link LIMITS.tags} non-empty strings.
 * Repeated tags are kept once, in first-seen order.
 *
 * @example
 * parseTags('tags', ['billing', 'daily']);
 */
export function parseTags(field: string, value: unknown): string[] {
  if (!Array.isArray(value)) throw new InvalidInputError(field, 'expected an array of strings');
  if (value.length > LIMITS.tags) throw new InvalidInputError(field, `at most ${LIMITS.tags} tags`);
  return [...new Set(value.map((tag, i) => requireString(`${field}[${i}]`, tag)))];
}
