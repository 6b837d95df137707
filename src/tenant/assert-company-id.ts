import { TenantRequiredError } from '../errors.js';

/** Returns `value` when it is a positive safe integer; otherwise throws TENANT_REQUIRED. */
export function assertCompanyId(value: unknown): number {
  if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 1) throw new TenantRequiredError(value);
  return value;
}
