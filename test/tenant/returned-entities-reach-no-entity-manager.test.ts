import { EntityManager, Reference, wrap } from '@mikro-orm/core';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  authenticate,
  createAdmin,
  createCompany,
  type Database,
  dedupeScreenshot,
  joinCompany,
  OverlayDbError,
  User,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, seedScreenshot, sql, stepInput } from './fixtures.js';

// The README promises that the scope exposes no EntityManager. An entity that carries one (as
// MikroORM's own `__em`, on itself or on the entity of one of its references) hands the caller
// an unfiltered `em.fork().find(User, {}, { filters: false })` over every company.
type AnyEntity = Record<string, unknown>;

/** Where, walking own properties (enumerable or not, string or symbol keys), an EntityManager is reached. */
function pathsToEntityManager(root: unknown): string[] {
  const found: string[] = [];
  const seen = new Set<unknown>();
  const walk = (value: unknown, path: string, depth: number) => {
    if (value === null || (typeof value !== 'object' && typeof value !== 'function')) return;
    if (value instanceof EntityManager) {
      found.push(path);
      return;
    }
    if (seen.has(value) || depth > 6 || typeof value === 'function') return;
    seen.add(value);
    for (const key of Reflect.ownKeys(value)) {
      const name = `${path}.${String(key)}`;
      const descriptor = Object.getOwnPropertyDescriptor(value, key)!;
      if (key === '__helper') {
        // MikroORM's per-entity state: its EntityManager is `__em`. The rest (hydrator, metadata)
        // is the ORM's shared class metadata, the same for every entity of the class.
        const em = (descriptor.value as { __em?: unknown } | undefined)?.__em;
        if (em) found.push(`${name}.__em`);
        continue;
      }
      if ('value' in descriptor) walk(descriptor.value, name, depth + 1);
    }
  };
  walk(root, 'entity', 0);
  return found;
}

function emOf(entity: unknown): unknown {
  return (wrap(entity as object, true) as unknown as { __em?: unknown }).__em;
}

/** Every check on one returned entity and on each of its many-to-one references. */
function expectDetached(entity: unknown, label: string): void {
  expect(entity, label).toBeTruthy();
  expect(emOf(entity), `${label}: wrap(e, true).__em`).toBeFalsy();
  expect(pathsToEntityManager(entity), label).toEqual([]);
  const meta = (wrap(entity as object, true) as unknown as { __meta: { relations: { name: string }[] } }).__meta;
  for (const prop of meta.relations) {
    const ref = (entity as AnyEntity)[prop.name];
    if (ref == null) continue;
    expect(Reference.isReference(ref), `${label}.${prop.name} is a Reference`).toBe(true);
    expect(typeof (ref as { id?: unknown }).id, `${label}.${prop.name}.id`).toBe('number');
    const target = Reference.unwrapReference(ref as Reference<object>);
    expect(emOf(target), `${label}.${prop.name}: the reference's entity has no __em`).toBeFalsy();
    expect(pathsToEntityManager(ref), `${label}.${prop.name}`).toEqual([]);
  }
}

/** A load that must not return the row `foreignId`: null, or a clear OverlayDbError. */
async function expectNoForeignLoad(load: () => Promise<unknown>, foreignId: number, label: string): Promise<void> {
  const result = await load().then(
    (value) => ({ value }),
    (error: unknown) => ({ error }),
  );
  if ('error' in result) {
    expect(result.error, label).toBeInstanceOf(OverlayDbError);
    return;
  }
  expect((result.value as { id?: unknown } | null)?.id, label).not.toBe(foreignId);
}

describeEachDialect('returned entities reach no EntityManager', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let acme: SeededCompany;
  let globex: SeededCompany;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    acme = await seedCompany(db, 'Acme');
    globex = await seedCompany(db, 'Globex');
  });
  afterAll(async () => dispose());

  it('every kind of entity the tenant scope returns, and every reference on it', async () => {
    const t = db.forCompany(acme.companyId);
    const created = await t.workflows.create({
      name: 'Detached',
      startingUrl: 'https://app.example',
      createdBy: acme.adminId,
      steps: [stepInput(), stepInput()],
    });
    const shotId = await seedScreenshot(db, acme.companyId, created.id);
    const withSteps = (await t.workflows.getWithSteps(created.id))!;
    const stepUpdated = await t.steps.update(withSteps.steps[0].id, { fieldLabel: 'L' }, { editedBy: acme.adminId });
    await t.steps.update(withSteps.steps[1].id, { screenshotId: shotId });
    const run = await t.healthLogs.record({ workflowId: created.id, userId: acme.userId, status: 'failed' });
    const note = await t.notifications.create({ workflowId: created.id, type: 'workflow_broken', title: 'Broken' });
    const returned: [string, unknown][] = [
      ['workflows.create', created],
      ['workflows.get', await t.workflows.get(created.id)],
      ['workflows.getWithSteps', withSteps],
      ...withSteps.steps.map((s, i): [string, unknown] => [`getWithSteps.steps[${i}]`, s]),
      ['workflows.list', (await t.workflows.list()).items[0]],
      ['workflows.update', await t.workflows.update(created.id, { description: 'd' })],
      ['steps.update', stepUpdated],
      ...(await t.steps.listByWorkflow(created.id)).map((s, i): [string, unknown] => [`steps.list[${i}]`, s]),
      ['steps.get', await t.steps.get(withSteps.steps[1].id)],
      ['screenshots.get', await t.screenshots.get(shotId)],
      ['screenshots.listByWorkflow', (await t.screenshots.listByWorkflow(created.id))[0]],
      ['healthLogs.record.log', run.log],
      ['healthLogs.record.workflow', run.workflow],
      ['healthLogs.listByWorkflow', (await t.healthLogs.listByWorkflow(created.id)).items[0]],
      ['healthLogs.summary.recentLogs', (await t.healthLogs.summary(created.id))?.recentLogs[0]],
      ['notifications.create', note],
      ['notifications.list', (await t.notifications.list()).items[0]],
      ['notifications.markRead', await t.notifications.markRead(note.id, acme.adminId)],
      ['users.get', await t.users.get(acme.adminId)],
      ['users.list', (await t.users.list())[0]],
    ];
    for (const [label, entity] of returned) expectDetached(entity, label);
    // A reference to this company's row loads it through the scope, and what it loads is detached too.
    const user = await (await t.workflows.get(created.id))!.createdBy!.load();
    expect(user?.id).toBe(acme.adminId);
    expectDetached(user, 'createdBy.load()');
    expect((await (await t.steps.get(withSteps.steps[1].id))!.screenshot!.load())?.id).toBe(shotId);
  });

  it("no reference of a returned entity loads another company's row, whatever the options", async () => {
    const t = db.forCompany(acme.companyId);
    const wf = await t.workflows.create({ name: 'Legacy', startingUrl: 'u', steps: [stepInput()] });
    const theirs = await db.forCompany(globex.companyId).workflows.create({ name: 'Theirs', startingUrl: 'u' });
    const theirShot = await seedScreenshot(db, globex.companyId, theirs.id);
    // Rows written around the scope (adopted data) may point across companies.
    await sql(db, 'update "workflows" set "created_by" = ? where "id" = ?', [globex.adminId, wf.id]);
    await sql(db, 'update "steps" set "screenshot_id" = ?, "edited_by" = ? where "workflow_id" = ?', [
      theirShot,
      globex.userId,
      wf.id,
    ]);
    const loaded = (await t.workflows.get(wf.id))!;
    const [step] = await t.steps.listByWorkflow(wf.id);
    for (const [label, ref, foreignId] of [
      ['workflow.createdBy', loaded.createdBy, globex.adminId],
      ['step.screenshot', step.screenshot, theirShot],
      ['step.editedBy', step.editedBy, globex.userId],
    ] as [string, Reference<object> | null | undefined, number][]) {
      expect(ref, label).toBeTruthy();
      await expectNoForeignLoad(() => ref!.load(), foreignId, `${label}.load()`);
      await expectNoForeignLoad(
        () => ref!.load({ filters: false } as never),
        foreignId,
        `${label}.load(filters: false)`,
      );
      await expectNoForeignLoad(
        () => ref!.loadOrFail({ filters: false } as never),
        foreignId,
        `${label}.loadOrFail(filters: false)`,
      );
      const unwrapped = Reference.unwrapReference(ref as Reference<object>) as AnyEntity;
      expect(emOf(unwrapped), label).toBeFalsy();
      expect(wrap(unwrapped).isInitialized(), `${label}: unwrapReference gives an unloaded entity`).toBe(false);
    }
  });

  it('every entity the services return, and every reference on it', async () => {
    const company = await createCompany(db, { name: 'Services' });
    expectDetached(company, 'createCompany');
    const admin = await createAdmin(db, {
      companyId: company.id,
      email: 'ann@services.test',
      password: 'Admin pass 1234',
    });
    expectDetached(admin, 'createAdmin');
    // The unloaded hash stays unloaded: loading it needed the EntityManager the user no longer carries.
    expect(admin.passwordHash.isInitialized()).toBe(false);
    await expect(admin.passwordHash.load()).rejects.toMatchObject({ code: 'INVALID_INPUT' });
    const member = await joinCompany(db, {
      inviteToken: company.inviteToken,
      email: 'max@services.test',
      password: 'Member pass 5678',
    });
    expectDetached(member, 'joinCompany');
    const signedIn = await authenticate(db, { email: 'ann@services.test', password: 'Admin pass 1234' });
    expectDetached(signedIn, 'authenticate');
    const own = await signedIn!.company.load();
    expect(own?.id).toBe(company.id);
    expectDetached(own, 'authenticate().company.load()');
    // The attack of the issue: nothing here hands out an EntityManager that lists other companies' users.
    for (const entity of [company, admin, member, signedIn, own]) {
      const em = emOf(entity) as EntityManager | undefined;
      expect(em && (await em.fork().find(User, {}, { filters: false }))).toBeFalsy();
    }

    const t = db.forCompany(company.id);
    const wf = await t.workflows.create({ name: 'Shots', startingUrl: 'u' });
    const hash = `sha256:${'cd'.repeat(32)}`;
    const first = await dedupeScreenshot(db, {
      companyId: company.id,
      workflowId: wf.id,
      hash,
      fileSize: 10,
      width: 2,
      height: 3,
      format: 'png',
    });
    expectDetached(first.screenshot, 'dedupeScreenshot (new)');
    const theirs = await db.forCompany(globex.companyId).workflows.create({ name: 'Theirs', startingUrl: 'u' });
    await sql(db, 'update "screenshots" set "workflow_id" = ? where "id" = ?', [theirs.id, first.screenshot.id]);
    const again = await dedupeScreenshot(db, {
      companyId: company.id,
      workflowId: wf.id,
      hash,
      fileSize: 10,
      width: 2,
      height: 3,
      format: 'png',
    });
    expect(again.deduplicated).toBe(true);
    expectDetached(again.screenshot, 'dedupeScreenshot (existing)');
    await expectNoForeignLoad(
      () => again.screenshot.workflow.load({ filters: false } as never),
      theirs.id,
      'dedupeScreenshot().workflow.load(filters: false)',
    );
  });
});
