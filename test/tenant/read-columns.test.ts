import type { EntityMetadata, EntityName } from '@mikro-orm/core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, HealthLog, Notification, Screenshot, Step, User, Workflow } from '../../src/index.js';
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

  const tables: Record<ReadTable, EntityName> = {
    workflows: Workflow,
    steps: Step,
    health_logs: HealthLog,
    notifications: Notification,
    screenshots: Screenshot,
    users: User,
  };

  it.each(Object.keys(tables))('%s: every column mapRows maps for its entity, and no other', (table) => {
    const meta = db.orm.getMetadata().get(tables[table as ReadTable]) as EntityMetadata;
    expect(meta.tableName).toBe(table);
    expect([...readColumnNames(table as ReadTable)]).toEqual(mappedColumns(meta));
  });
});
