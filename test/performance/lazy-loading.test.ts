import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { Migration } from '@mikro-orm/migrations';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { HEALTH_SUMMARY_INDEX_MIGRATION } from '../../migrations/index.js';
import { INITIAL_MIGRATION, migrationsFor } from '../../src/index.js';
import { CHILD_TEST_TIMEOUT_MS, runNodeForJson } from '../support/child-process.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

const tsx = createRequire(import.meta.url).resolve('tsx');
const probe = resolve(__dirname, 'start-up-probe.ts');

describeEachDialect('start-up loads the migrator only when migrating', (dialect) => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => target.drop());

  it(
    'opens and queries without @mikro-orm/migrations or umzug, and loads them to migrate',
    async () => {
      const result = await runNodeForJson(['--import', tsx, probe], {
        env: { ...process.env, DATABASE_URL: target.url },
      });
      expect(result).toEqual({
        beforeMigrating: { migrations: false, umzug: false },
        applied: [INITIAL_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION],
        afterMigrating: { migrations: true },
      });
    },
    CHILD_TEST_TIMEOUT_MS,
  );

  it("keeps migrationsFor's entries the { name, class } MikroORM takes, with a Migration subclass", () => {
    const entries = migrationsFor(dialect);
    expect(entries.map((e) => e.name)).toEqual([INITIAL_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION]);
    entries.forEach((entry, i) => {
      expect(entry.class.prototype).toBeInstanceOf(Migration);
      // Defined once: every access gives the same class.
      expect(migrationsFor(dialect)[i].class).toBe(entry.class);
    });
  });
});
