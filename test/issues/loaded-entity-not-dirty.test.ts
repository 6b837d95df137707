import { afterEach, beforeEach, expect, it } from 'vitest';
import { createCompany, type Database, Workflow } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

// Regression: on SQLite a loaded entity's timestamps compared unequal to themselves (Date snapshot
// against ISO text), so every flush rewrote created_at and moved updated_at.
describeEachDialect('a loaded entity with timestamps is not dirty', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterEach(async () => dispose());

  it('flushing an unchanged entity writes nothing; changing one moves only updatedAt', async () => {
    const company = await createCompany(db, { name: 'A' });
    const created = await db.forCompany(company.id).workflows.create({ name: 'w', startingUrl: 'https://a.test' });

    const em = db.fork();
    const loaded = await em.findOneOrFail(Workflow, { id: created.id });
    em.getUnitOfWork().computeChangeSets();
    expect(em.getUnitOfWork().getChangeSets()).toHaveLength(0);

    const before = { createdAt: loaded.createdAt.getTime(), updatedAt: loaded.updatedAt.getTime() };
    await new Promise((r) => setTimeout(r, 5));
    loaded.name = 'renamed';
    await em.flush();
    const reread = await db.fork().findOneOrFail(Workflow, { id: created.id });
    expect(reread.name).toBe('renamed');
    expect(reread.createdAt.getTime()).toBe(before.createdAt);
    expect(reread.updatedAt.getTime()).toBeGreaterThan(before.updatedAt);
  });
});
