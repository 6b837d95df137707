import { InvalidInputError } from '../errors.js';
import { LIMITS } from './limits.js';

// Each validator returns the value narrowed to its type, or throws InvalidInputError naming the field.

/** A value given as a plain object (not null, not an array). */
export function requireObject(field: string, value: unknown): Record<string, unknown> {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new InvalidInputError(field, 'expected an object');
  }
  return value as Record<string, unknown>;
}

/**
 * The largest id: the id columns are 32-bit on PostgreSQL (`serial`). A larger id can name no
 * row on either dialect, and PostgreSQL refuses it as a parameter of an id comparison.
 */
export const MAX_ID = 2_147_483_647;

/** A positive integer id, at most {@link MAX_ID}. */
export function requireId(field: string, value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw new InvalidInputError(field, `expected a positive integer id (at most ${MAX_ID})`);
  }
  return value;
}

/** An optional id: `undefined` and `null` pass through. */
export function optionalId(field: string, value: unknown): number | null | undefined {
  return value === undefined || value === null ? value : requireId(field, value);
}

/** A string that is well-formed Unicode (no lone surrogates: they cannot round-trip through UTF-8). */
function checkWellFormed(field: string, value: string): void {
  // NUL is refused because PostgreSQL text cannot hold it.
  if (value.includes('\u0000')) throw new InvalidInputError(field, 'contains a NUL character');
  if (!isWellFormed(value)) throw new InvalidInputError(field, 'contains a lone surrogate (not valid Unicode)');
}

const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;
const nativeWellFormed = (String.prototype as { isWellFormed?: () => boolean }).isWellFormed;

/** No lone surrogate: `String.prototype.isWellFormed` (Node 20+), else the equivalent regex. */
function isWellFormed(value: string): boolean {
  return nativeWellFormed ? nativeWellFormed.call(value) : !LONE_SURROGATE.test(value);
}

/** A non-empty string (after trimming) of at most `max` characters; returned as given (untrimmed) unless `trim`. */
export function requireString(
  field: string,
  value: unknown,
  options: { max?: number; trim?: boolean; allowEmpty?: boolean } = {},
): string {
  if (typeof value !== 'string') throw new InvalidInputError(field, 'expected a string');
  const max = options.max ?? LIMITS.shortText;
  const result = options.trim ? value.trim() : value;
  if (!options.allowEmpty && result.trim() === '') throw new InvalidInputError(field, 'must not be empty');
  if (result.length > max) throw new InvalidInputError(field, `must be at most ${max} characters`);
  checkWellFormed(field, result);
  return result;
}

/** An optional string: `undefined` and `null` pass through. */
export function optionalString(
  field: string,
  value: unknown,
  options: { max?: number; trim?: boolean; allowEmpty?: boolean } = {},
): string | null | undefined {
  return value === undefined || value === null ? value : requireString(field, value, options);
}

/** One of a fixed list of string values. */
export function requireOneOf<T extends string>(field: string, value: unknown, allowed: readonly T[]): T {
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) {
    throw new InvalidInputError(field, `expected one of ${allowed.join(', ')}`);
  }
  return value as T;
}

/** A finite number within [min, max]. */
export function requireNumber(
  field: string,
  value: unknown,
  options: { min?: number; max?: number; integer?: boolean } = {},
): number {
  if (typeof value !== 'number' || !Number.isFinite(value))
    throw new InvalidInputError(field, 'expected a finite number');
  if (options.integer && !Number.isSafeInteger(value)) throw new InvalidInputError(field, 'expected an integer');
  if (options.min !== undefined && value < options.min)
    throw new InvalidInputError(field, `must be at least ${options.min}`);
  if (options.max !== undefined && value > options.max)
    throw new InvalidInputError(field, `must be at most ${options.max}`);
  return value;
}

/** An optional number: `undefined` and `null` pass through. */
export function optionalNumber(
  field: string,
  value: unknown,
  options: { min?: number; max?: number; integer?: boolean } = {},
): number | null | undefined {
  return value === undefined || value === null ? value : requireNumber(field, value, options);
}

/** A boolean. */
export function requireBoolean(field: string, value: unknown): boolean {
  if (typeof value !== 'boolean') throw new InvalidInputError(field, 'expected a boolean');
  return value;
}

// Years 0001-9999 UTC: both dialects store and read these back identically. PostgreSQL refuses
// some later years outright, and SQLite would store `+275760-…` text that sorts before `2024-…`.
const MIN_DATE_MS = Date.parse('0001-01-01T00:00:00.000Z');
const MAX_DATE_MS = Date.parse('9999-12-31T23:59:59.999Z');

/** A valid Date (or an ISO string that parses to one) in years 0001-9999 UTC. */
export function requireDate(field: string, value: unknown): Date {
  const date = value instanceof Date ? value : typeof value === 'string' ? new Date(value) : undefined;
  if (!date || Number.isNaN(date.getTime())) throw new InvalidInputError(field, 'expected a valid date');
  if (date.getTime() < MIN_DATE_MS || date.getTime() > MAX_DATE_MS) {
    throw new InvalidInputError(field, 'must be within years 0001-9999 (UTC)');
  }
  return date;
}

/**
 * A JSON value: plain objects, arrays, strings, finite numbers, booleans and null only, at most
 * {@link LIMITS.jsonDepth} deep and {@link LIMITS.jsonBytes} bytes serialized. With `object: true`
 * the top level must be an object.
 */
export function requireJson<T>(field: string, value: unknown, options: { object?: boolean } = {}): T {
  requireJsonText(field, value, options);
  return value as T;
}

/** As {@link requireJson}, and returns the value's JSON text (what is stored). */
export function requireJsonText(field: string, value: unknown, options: { object?: boolean } = {}): string {
  if (options.object) requireObject(field, value);
  checkJsonValue(field, value, 0);
  const text = JSON.stringify(value);
  // A UTF-16 code unit is at most 3 bytes of UTF-8: short text cannot exceed the limit, only long text is measured.
  const bytes = text.length > LIMITS.jsonBytes / 4 ? Buffer.byteLength(text, 'utf8') : text.length * 3;
  if (bytes > LIMITS.jsonBytes) throw new InvalidInputError(field, `must be at most ${LIMITS.jsonBytes} bytes as JSON`);
  return text;
}

/** As {@link optionalJson}, returning the JSON text (null for `undefined` and `null`). */
export function optionalJsonText(field: string, value: unknown, options: { object?: boolean } = {}): string | null {
  return value === undefined || value === null ? null : requireJsonText(field, value, options);
}

/** An optional JSON value: `undefined` and `null` pass through. */
export function optionalJson<T>(
  field: string,
  value: unknown,
  options: { object?: boolean } = {},
): T | null | undefined {
  return value === undefined || value === null ? (value as null | undefined) : requireJson<T>(field, value, options);
}

function checkJsonValue(field: string, value: unknown, depth: number): void {
  if (depth > LIMITS.jsonDepth) throw new InvalidInputError(field, `must be at most ${LIMITS.jsonDepth} levels deep`);
  switch (typeof value) {
    case 'boolean':
      return;
    case 'string':
      checkWellFormed(field, value);
      return;
    case 'number':
      if (!Number.isFinite(value)) throw new InvalidInputError(field, 'numbers must be finite (no NaN or Infinity)');
      return;
    case 'object': {
      if (value === null) return;
      // Index and for-in loops: step payloads are validated field by field on every recorded
      // step, so this walk is on the hot path of workflows.create.
      if (Array.isArray(value)) {
        for (let i = 0; i < value.length; i++) checkJsonValue(field, value[i], depth + 1);
        return;
      }
      if (Object.getPrototypeOf(value) !== Object.prototype) break;
      const record = value as Record<string, unknown>;
      for (const key in record) {
        checkWellFormed(field, key);
        const item = record[key];
        if (item !== undefined) checkJsonValue(field, item, depth + 1);
      }
      return;
    }
  }
  throw new InvalidInputError(
    field,
    'must contain only JSON values (objects, arrays, strings, numbers, booleans, null)',
  );
}

/** Rejects keys that are not in `allowed`, so that a typo is an error instead of a silently ignored field. */
export function rejectUnknownKeys(field: string, value: Record<string, unknown>, allowed: readonly string[]): void {
  for (const key of Object.keys(value)) {
    if (!allowed.includes(key)) throw new InvalidInputError(`${field}.${key}`, 'is not a known field');
  }
}
