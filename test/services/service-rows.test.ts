import { afterAll, beforeAll, expect, it } from 'vitest';
import { Company, type Database, User } from '../../src/index.js';
import { COMPANY_COLUMNS, USER_COLUMNS } from '../../src/services/service-rows.js';
import { mappedColumns } from '../../src/tenant/map-rows.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

const names = (list: string) => list.split(', ').map((column) => JSON.parse(column) as string);

describeEachDialect('services: the columns they read', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterAll(async () => dispose());

  it('are exactly the columns mapRows maps, and never the password hash', () => {
    expect(names(COMPANY_COLUMNS)).toEqual(mappedColumns(db.orm.getMetadata().get(Company)));
    expect(names(USER_COLUMNS)).toEqual(mappedColumns(db.orm.getMetadata().get(User)));
    expect(USER_COLUMNS).not.toContain('password');
  });
});
