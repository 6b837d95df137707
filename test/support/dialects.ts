import { describe, inject } from 'vitest';
import type { Dialect } from '../../src/index.js';
import { PG_ADMIN_URL, requestedDialects } from './env.js';
import { adminQuery, createTestDatabase, type TestDatabase } from './scratch-database.js';

export { adminQuery, createTestDatabase, PG_ADMIN_URL, requestedDialects, type TestDatabase };

/**
 * `describe` once per dialect of this run. The PostgreSQL block is skipped only when the
 * global setup found no server outside CI (it has already printed why).
 */
export function describeEachDialect(title: string, body: (dialect: Dialect) => void): void {
  for (const dialect of requestedDialects()) {
    const available = dialect === 'sqlite' || inject('postgresAvailable');
    (available ? describe : describe.skip)(`${title} [${dialect}]`, () => body(dialect));
  }
}
