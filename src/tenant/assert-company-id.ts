import { TenantRequiredError } from '../errors.js';
import { MAX_ID } from '../validation/validators.js';

/** Returns `value` when it is a positive integer id (at most 2,147,483,647); otherwise throws TENANT_REQUIRED. */
export function assertCompanyId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > MAX_ID) {
    throw new TenantRequiredError(value);
  }
  return value;
}
