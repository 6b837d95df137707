import type { EntityMetadata } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { mappedColumns } from '../../src/tenant/map-rows.js';
import { type ReadTable, readColumnNames } from '../../src/tenant/read-columns.js';
import { openTestDatabase } from '../support/open-test-database.js';

// The hand-written statements name the columns they read (a `*` would break prepared statements
// when another process adds a column); the lists must stay exactly what mapRows maps, or an entity
// would come back with a field missing.
describe('the columns hand-written statements read', () => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase('sqlite', { migrate: false }));
  });
  afterAll(async () => dispose());

  const tables: Record<ReadTable, string> = {
    workflows: 'Workflow',
    steps: 'Step',
    health_logs: 'HealthLog',
    notifications: 'Notification',
    screenshots: 'Screenshot',
  };

  it.each(Object.entries(tables))('%s: every column mapRows maps for %s, and no other', (table, entity) => {
    const meta = db.orm.getMetadata().get(entity) as EntityMetadata;
    expect(meta.tableName).toBe(table);
    expect([...readColumnNames(table as ReadTable)]).toEqual(mappedColumns(meta));
  });
});
