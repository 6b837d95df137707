import { ref } from '@mikro-orm/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { Company, createTenantScope, type Database, type TenantScope, User, Workflow } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, snapshotAll, snapshotCompany, sql, stepInput } from './fixtures.js';

// What a caller can do with what the scope returns: mutate it, lazy-load its relations, reuse
// an EntityManager that already holds other companies' rows. None of it may cross companies.
describeEachDialect('tenant scope: returned entities and identity maps', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  let globex: SeededCompany;
  let t: TenantScope;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    acme = await seedCompany(db, 'Acme');
    globex = await seedCompany(db, 'Globex');
    t = db.forCompany(acme.companyId);
  });
  afterAll(async () => dispose());

  it('never flushes changes a caller makes to a returned entity', async () => {
    const wf = await t.workflows.create({ name: 'Mine', startingUrl: 'u', steps: [stepInput()] });
    const loaded = (await t.workflows.get(wf.id))!;
    const [step] = await t.steps.listByWorkflow(wf.id);
    loaded.name = 'Hijacked';
    const foreign = ref(db.fork().getReference(Company, globex.companyId));
    loaded.company = foreign;
    step.company = foreign;
    wf.company = foreign;
    const globexBefore = await snapshotCompany(db, globex.companyId);
    // Every kind of call the scope makes afterwards: reads, a write to another row, a write to this row.
    await t.workflows.list();
    await t.workflows.get(wf.id);
    const other = await t.workflows.create({ name: 'Other', startingUrl: 'u' });
    await t.workflows.update(other.id, { name: 'Other 2' });
    await t.steps.update(step.id, { fieldLabel: 'Label' });
    await t.workflows.update(wf.id, { description: 'd' });
    const [row] = await sql<{ name: string; company_id: number }>(
      db,
      'select "name", "company_id" from "workflows" where "id" = ?',
      [wf.id],
    );
    expect(row).toEqual({ name: 'Mine', company_id: acme.companyId });
    const [stepRow] = await sql<{ company_id: number }>(db, 'select "company_id" from "steps" where "id" = ?', [
      step.id,
    ]);
    expect(stepRow.company_id).toBe(acme.companyId);
    expect(await snapshotCompany(db, globex.companyId)).toEqual(globexBefore);
  });

  it('returns fresh rows after a write, not a copy cached by an earlier call', async () => {
    const wf = await t.workflows.create({ name: 'v1', startingUrl: 'u' });
    expect((await t.workflows.get(wf.id))?.name).toBe('v1');
    await sql(db, `update "workflows" set "name" = 'v2' where "id" = ?`, [wf.id]);
    expect((await t.workflows.get(wf.id))?.name).toBe('v2');
    expect((await t.workflows.list()).items.find((i) => i.id === wf.id)?.name).toBe('v2');
  });

  it("ignores another company's rows already in the host EntityManager's identity map", async () => {
    const theirs = await db.forCompany(globex.companyId).workflows.create({ name: 'Theirs', startingUrl: 'u' });
    const em = db.fork();
    const cached = await em.findOneOrFail(Workflow, theirs.id);
    await em.findOneOrFail(User, globex.adminId);
    const scoped = createTenantScope(em, acme.companyId);
    expect(await scoped.workflows.get(theirs.id)).toBeNull();
    expect(await scoped.users.get(globex.adminId)).toBeNull();
    expect(await scoped.workflows.getWithSteps(theirs.id)).toBeNull();
    expect((await scoped.workflows.list()).items.map((i) => i.id)).not.toContain(theirs.id);
    expect(await scoped.workflows.update(theirs.id, { name: 'x' }).catch((e) => e.code)).toBe('NOT_FOUND');
    expect(cached.name).toBe('Theirs');
  });

  it("lazy-loading a relation of a returned row cannot reach another company's row", async () => {
    // A cross-company reference cannot be written through the scope; adopted data may hold one.
    const wf = await t.workflows.create({ name: 'Legacy', startingUrl: 'u' });
    await sql(db, 'update "workflows" set "created_by" = ? where "id" = ?', [globex.adminId, wf.id]);
    const loaded = (await t.workflows.get(wf.id))!;
    expect(loaded.createdBy).not.toBeNull();
    expect(await loaded.createdBy!.load()).toBeNull();
    const own = (await t.workflows.get(
      (
        await t.workflows.create({ name: 'Own', startingUrl: 'u', createdBy: acme.adminId })
      ).id,
    ))!;
    expect((await own.createdBy!.load())?.id).toBe(acme.adminId);
    expect((await own.company.load())?.id).toBe(acme.companyId);
  });

  it("cannot load a user's password hash through a returned user", async () => {
    const user = (await t.users.get(acme.adminId)) as unknown as { passwordHash?: unknown };
    expect(user.passwordHash).toBeUndefined();
    expect(Object.keys(user)).not.toContain('passwordHash');
  });

  it('joins a transaction the host EntityManager is in, and rolls back with it', async () => {
    const before = await snapshotAll(db);
    const error = await db
      .fork()
      .transactional(async (em) => {
        const scoped = createTenantScope(em, acme.companyId);
        const wf = await scoped.workflows.create({ name: 'In tx', startingUrl: 'u', steps: [stepInput()] });
        expect((await scoped.workflows.get(wf.id))?.name).toBe('In tx');
        throw new Error('host rolls back');
      })
      .catch((e: Error) => e.message);
    expect(error).toBe('host rolls back');
    expect(await snapshotAll(db)).toBe(before);
  });

  it('runs concurrent calls on one scope (one connection on SQLite) without mixing them up', async () => {
    const created = await Promise.all(
      Array.from({ length: 8 }, (_, i) =>
        t.workflows.create({ name: `Concurrent ${i}`, startingUrl: 'u', steps: [stepInput(), stepInput()] }),
      ),
    );
    expect(new Set(created.map((w) => w.id)).size).toBe(8);
    const read = await Promise.all(created.map((w) => t.workflows.getWithSteps(w.id)));
    read.forEach((r, i) => {
      expect(r?.name).toBe(`Concurrent ${i}`);
      expect(r?.steps.map((s) => s.stepNumber)).toEqual([1, 2]);
    });
    const updates = await Promise.allSettled(created.map((w, i) => t.workflows.update(w.id, { name: `Renamed ${i}` })));
    expect(updates.every((u) => u.status === 'fulfilled')).toBe(true);
  });
});
