import type { ScreenshotFormat } from '../entities/screenshot.js';
import { SCREENSHOT_FORMATS } from '../entities/screenshot.js';
import { requireId, requireOneOf } from '../validation/validators.js';

/**
 * What a screenshot's storage key is made of (see {@link screenshotStorageKey}).
 *
 * @example
 * const parts: ScreenshotKeyParts = { companyId: 1, workflowId: 7, screenshotId: 42, format: 'png' };
 */
export interface ScreenshotKeyParts {
  companyId: number;
  workflowId: number;
  screenshotId: number;
  format: ScreenshotFormat;
}

/**
 * The object-storage key of a screenshot:
 * `companies/{companyId}/workflows/{workflowId}/screenshots/{screenshotId}.{jpg|png}`.
 *
 * @example
 * screenshotStorageKey({ companyId: 1, workflowId: 7, screenshotId: 42, format: 'jpeg' });
 * // 'companies/1/workflows/7/screenshots/42.jpg'
 */
export function screenshotStorageKey(parts: ScreenshotKeyParts): string {
  const screenshotId = requireId('screenshotId', parts.screenshotId);
  const { prefix, suffix } = storageKeyAround(parts);
  return `${prefix}${screenshotId}${suffix}`;
}

/**
 * What comes before and after the screenshot id in its storage key
 * (`companies/{companyId}/workflows/{workflowId}/screenshots/` and `.{jpg|png}`): a new row's key
 * is written by the statement that draws its id (see dedupe-screenshot.ts).
 *
 * @example
 * storageKeyAround({ companyId: 1, workflowId: 7, format: 'png' });
 * // { prefix: 'companies/1/workflows/7/screenshots/', suffix: '.png' }
 */
export function storageKeyAround(parts: Omit<ScreenshotKeyParts, 'screenshotId'>): { prefix: string; suffix: string } {
  const companyId = requireId('companyId', parts.companyId);
  const workflowId = requireId('workflowId', parts.workflowId);
  const format = requireOneOf('format', parts.format, SCREENSHOT_FORMATS);
  const extension = format === 'jpeg' ? 'jpg' : 'png';
  return { prefix: `companies/${companyId}/workflows/${workflowId}/screenshots/`, suffix: `.${extension}` };
}
