import { createHash } from 'node:crypto';
import { InvalidInputError } from '../errors.js';

/**
 * The form of a screenshot hash: `sha256:` and 64 lowercase hex digits, as {@link screenshotHash}
 * makes it.
 *
 * @example
 * if (!SCREENSHOT_HASH_PATTERN.test(body.hash)) return reply.status(400).send('bad hash');
 */
export const SCREENSHOT_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/**
 * The hash by which screenshots are deduplicated: `sha256:<64 lowercase hex>` of the bytes.
 *
 * @example
 * screenshotHash(bytes); // 'sha256:9f86d0…'
 */
export function screenshotHash(bytes: Uint8Array): string {
  return `sha256:${createHash('sha256').update(bytes).digest('hex')}`;
}

/** Checks a caller-computed hash against {@link SCREENSHOT_HASH_PATTERN}. @internal */
export function requireScreenshotHash(field: string, value: unknown): string {
  if (typeof value !== 'string' || !SCREENSHOT_HASH_PATTERN.test(value)) {
    throw new InvalidInputError(field, "expected 'sha256:' followed by 64 lowercase hex digits");
  }
  return value;
}
