import { Migration } from '@mikro-orm/migrations';
import { expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION } from '../../migrations/index.js';
import { INITIAL_MIGRATION, migrationsFor } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';

describeEachDialect('the bundled migration entries', (dialect) => {
  it("keeps migrationsFor's entries the { name, class } MikroORM takes, with a Migration subclass", () => {
    const entries = migrationsFor(dialect);
    expect(entries.map((e) => e.name)).toEqual([
      INITIAL_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
      FAILED_RUNS_INDEX_MIGRATION,
    ]);
    entries.forEach((entry, i) => {
      expect(entry.class.prototype).toBeInstanceOf(Migration);
      // Defined once: every access gives the same class.
      expect(migrationsFor(dialect)[i].class).toBe(entry.class);
    });
  });
});
