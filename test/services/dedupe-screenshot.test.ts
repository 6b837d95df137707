import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  createCompany,
  type Database,
  dedupeScreenshot,
  type OpenDatabaseOptions,
  openDatabase,
  Screenshot,
  screenshotHash,
  Workflow,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { PG_VIA_POOLER } from '../support/env.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { pgbouncerClients } from '../support/pgbouncer.js';
import { recordStatements } from '../tenant/fixtures.js';
import { GIF_1X1, JPEG_5X3, JPEG_PROGRESSIVE_7X4, PNG_3X2, pngHeader } from './image-fixtures.js';

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

async function makeWorkflow(db: Database, companyId: number, name = 'Checkout'): Promise<number> {
  const em = db.fork();
  const workflow = em.create(Workflow, { company: companyId, name, startingUrl: 'https://shop.test/' });
  await em.flush();
  return workflow.id;
}

describeEachDialect('services: dedupeScreenshot', (dialect) => {
  let db: Database;
  let url: string;
  let openOptions: OpenDatabaseOptions;
  let name: string;
  let dispose: () => Promise<void>;
  let companyId: number;
  let workflowId: number;
  beforeEach(async () => {
    let target: { url: string; openOptions: OpenDatabaseOptions; name: string };
    ({ db, target, dispose } = await openTestDatabase(dialect));
    ({ url, openOptions, name } = target);
    companyId = (await createCompany(db, { name: 'Acme' })).id;
    workflowId = await makeWorkflow(db, companyId);
  });
  afterEach(async () => dispose());

  const rows = () => db.fork().find(Screenshot, {}, { orderBy: { id: 'asc' } });

  it('stores a PNG once: hash, size and dimensions from the bytes, the storage key set with the id', async () => {
    const first = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    expect(first.deduplicated).toBe(false);
    const { screenshot } = first;
    const key = `companies/${companyId}/workflows/${workflowId}/screenshots/${screenshot.id}.png`;
    expect(screenshot).toMatchObject({
      hash: screenshotHash(PNG_3X2),
      format: 'png',
      width: 3,
      height: 2,
      fileSize: PNG_3X2.length,
      storageKey: key,
      storageUrl: key,
    });
    expect(screenshot.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(screenshot.company.id).toBe(companyId);
    expect(screenshot.workflow.id).toBe(workflowId);
    expect(screenshot.createdAt).toBeInstanceOf(Date);

    const again = await dedupeScreenshot(db, { companyId, workflowId, content: Buffer.from(PNG_3X2) });
    expect(again.deduplicated).toBe(true);
    expect(again.screenshot.id).toBe(screenshot.id);
    expect(again.screenshot.storageKey).toBe(key);
    expect(await rows()).toHaveLength(1);
  });

  it('stores JPEGs (baseline and progressive) as .jpg and derives the URL from storageBaseUrl', async () => {
    const { screenshot } = await dedupeScreenshot(db, {
      companyId,
      workflowId,
      content: new Uint8Array(JPEG_5X3),
      storageBaseUrl: 'https://cdn.acme.test/shots/',
    });
    const key = `companies/${companyId}/workflows/${workflowId}/screenshots/${screenshot.id}.jpg`;
    expect(screenshot).toMatchObject({ format: 'jpeg', width: 5, height: 3, storageKey: key });
    expect(screenshot.storageUrl).toBe(`https://cdn.acme.test/shots/${key}`);
    const progressive = await dedupeScreenshot(db, {
      companyId,
      workflowId,
      content: JPEG_PROGRESSIVE_7X4,
      storageUrl: 'https://s3.test/bucket/custom.jpg',
    });
    expect(progressive.screenshot).toMatchObject({
      width: 7,
      height: 4,
      storageUrl: 'https://s3.test/bucket/custom.jpg',
    });
    const stored = await db.fork().findOneOrFail(Screenshot, progressive.screenshot.id);
    expect(stored.storageKey).toBe(`companies/${companyId}/workflows/${workflowId}/screenshots/${stored.id}.jpg`);
  });

  it('accepts a hash without the bytes, and later bytes with that hash are deduplicated', async () => {
    const hash = screenshotHash(JPEG_5X3);
    const byHash = await dedupeScreenshot(db, { companyId, workflowId, hash, fileSize: 648, width: 5, height: 3 });
    expect(byHash.deduplicated).toBe(false);
    expect(byHash.screenshot).toMatchObject({ hash, format: 'jpeg', fileSize: 648, width: 5, height: 3 });
    const byBytes = await dedupeScreenshot(db, { companyId, workflowId, content: JPEG_5X3, hash });
    expect(byBytes).toMatchObject({ deduplicated: true, screenshot: { id: byHash.screenshot.id } });
    const png = await dedupeScreenshot(db, { companyId, workflowId, hash: screenshotHash(PNG_3X2), format: 'png' });
    expect(png.screenshot.storageKey).toMatch(/\.png$/);
  });

  it('does not use up ids on deduplicated calls', async () => {
    const first = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    for (let i = 0; i < 3; i++) await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    await dedupeScreenshot(db, { companyId, workflowId, hash: first.screenshot.hash });
    const next = await dedupeScreenshot(db, { companyId, workflowId, content: JPEG_5X3 });
    expect(next.screenshot.id).toBe(first.screenshot.id + 1);
  });

  it('never gives a new screenshot the id of a deleted one (its storage key would name the old object)', async () => {
    const first = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    const em = db.fork();
    await em.nativeDelete(Screenshot, { id: first.screenshot.id });
    const next = await dedupeScreenshot(db, { companyId, workflowId, content: JPEG_5X3 });
    expect(next.screenshot.id).toBe(first.screenshot.id + 1);
    expect(next.screenshot.storageKey).toBe(
      `companies/${companyId}/workflows/${workflowId}/screenshots/${next.screenshot.id}.jpg`,
    );
  });

  it('shares a row across the workflows of one company: the first upload owns it', async () => {
    const other = await makeWorkflow(db, companyId, 'Refund');
    const first = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    const second = await dedupeScreenshot(db, { companyId, workflowId: other, content: PNG_3X2 });
    expect(second.deduplicated).toBe(true);
    expect(second.screenshot.id).toBe(first.screenshot.id);
    expect(second.screenshot.workflow.id).toBe(workflowId);
  });

  it('gives the same image in another company that company its own row', async () => {
    const otherCompany = (await createCompany(db, { name: 'Globex' })).id;
    const otherWorkflow = await makeWorkflow(db, otherCompany);
    const mine = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    const theirs = await dedupeScreenshot(db, { companyId: otherCompany, workflowId: otherWorkflow, content: PNG_3X2 });
    expect(theirs.deduplicated).toBe(false);
    expect(theirs.screenshot.id).not.toBe(mine.screenshot.id);
    expect(theirs.screenshot.hash).toBe(mine.screenshot.hash);
    expect(theirs.screenshot.storageKey).toBe(
      `companies/${otherCompany}/workflows/${otherWorkflow}/screenshots/${theirs.screenshot.id}.png`,
    );
    expect((await rows()).map((r) => r.company.id)).toEqual([companyId, otherCompany]);
  });

  it("refuses another company's workflow and a missing one alike (CROSS_TENANT_REFERENCE), writing nothing", async () => {
    const otherCompany = (await createCompany(db, { name: 'Globex' })).id;
    const otherWorkflow = await makeWorkflow(db, otherCompany);
    for (const input of [
      { companyId, workflowId: otherWorkflow },
      { companyId: otherCompany, workflowId },
      { companyId, workflowId: 99_999 },
      { companyId: 99_999, workflowId },
    ]) {
      const error = await rejection(dedupeScreenshot(db, { ...input, content: PNG_3X2 }));
      expect(error).toMatchObject({ code: 'CROSS_TENANT_REFERENCE', field: 'workflowId' });
    }
    expect(await rows()).toHaveLength(0);
  });

  it("refuses another company's workflow even when the image is stored already", async () => {
    const stored = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    const otherWorkflow = await makeWorkflow(db, (await createCompany(db, { name: 'Globex' })).id);
    const error = await rejection(dedupeScreenshot(db, { companyId, workflowId: otherWorkflow, content: PNG_3X2 }));
    expect(error).toMatchObject({ code: 'CROSS_TENANT_REFERENCE', field: 'workflowId' });
    expect((await rows()).map((r) => r.id)).toEqual([stored.screenshot.id]);
  });

  it('checks the workflow and finds a stored image in one statement; a new one adds one insert, key included', async () => {
    const statements = recordStatements(db);
    const stored = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    expect(statements.map((s) => s.sql.split(' ')[0])).toEqual(['select', 'insert']);
    expect(stored.screenshot.storageKey).toBe(
      `companies/${companyId}/workflows/${workflowId}/screenshots/${stored.screenshot.id}.png`,
    );
    statements.length = 0;
    const again = await dedupeScreenshot(db, { companyId, workflowId, content: PNG_3X2 });
    expect(again.deduplicated).toBe(true);
    expect(statements).toHaveLength(1);
  });

  it('refuses bad input with the right code and field, writing nothing', async () => {
    const png = PNG_3X2;
    const cases: [Record<string, unknown>, string, string][] = [
      [{ companyId: 0 }, 'TENANT_REQUIRED', ''],
      [{ companyId: '1' }, 'TENANT_REQUIRED', ''],
      [{ workflowId: -1 }, 'INVALID_INPUT', 'workflowId'],
      [{ content: undefined }, 'INVALID_INPUT', 'content'],
      [{ content: new Uint8Array(0) }, 'INVALID_INPUT', 'content'],
      [{ content: 'iVBORw0KGgo=' }, 'INVALID_INPUT', 'content'],
      [{ content: GIF_1X1 }, 'INVALID_INPUT', 'content'],
      [{ content: Buffer.from('not an image at all') }, 'INVALID_INPUT', 'content'],
      [{ content: png, maxBytes: png.length - 1 }, 'INVALID_INPUT', 'content'],
      [{ content: Buffer.concat([pngHeader(10, 10), Buffer.alloc(5 * 1024 * 1024)]) }, 'INVALID_INPUT', 'content'],
      [{ content: png, maxBytes: 0 }, 'INVALID_INPUT', 'maxBytes'],
      [{ content: png, hash: screenshotHash(JPEG_5X3) }, 'INVALID_INPUT', 'hash'],
      [{ content: png, format: 'jpeg' }, 'INVALID_INPUT', 'format'],
      [{ content: png, width: 4 }, 'INVALID_INPUT', 'width'],
      [{ content: png, fileSize: 1 }, 'INVALID_INPUT', 'fileSize'],
      [{ content: undefined, hash: screenshotHash(png).toUpperCase() }, 'INVALID_INPUT', 'hash'],
      [{ content: undefined, hash: screenshotHash(png).replace('sha256:', '') }, 'INVALID_INPUT', 'hash'],
      [{ content: undefined, hash: `${screenshotHash(png)}0` }, 'INVALID_INPUT', 'hash'],
      [{ content: undefined, hash: screenshotHash(png), format: 'gif' }, 'INVALID_INPUT', 'format'],
      [{ content: undefined, hash: screenshotHash(png), width: 0 }, 'INVALID_INPUT', 'width'],
      [{ content: undefined, hash: screenshotHash(png), fileSize: 6 * 1024 * 1024 }, 'INVALID_INPUT', 'fileSize'],
      [{ storageUrl: 'https://a.test/x', storageBaseUrl: 'https://a.test' }, 'INVALID_INPUT', 'storageBaseUrl'],
      [{ storageUrl: '' }, 'INVALID_INPUT', 'storageUrl'],
      [{ bucket: 'shots' }, 'INVALID_INPUT', 'input.bucket'],
    ];
    for (const [patch, code, field] of cases) {
      const error = await rejection(dedupeScreenshot(db, { companyId, workflowId, content: png, ...patch } as never));
      expect(error, JSON.stringify(Object.keys(patch))).toMatchObject({ code, ...(field ? { field } : {}) });
    }
    expect(await rows()).toHaveLength(0);
  });

  it('accepts more than 5 MB when maxBytes allows it', async () => {
    const big = Buffer.concat([pngHeader(4000, 3000), Buffer.alloc(5 * 1024 * 1024)]);
    const { screenshot } = await dedupeScreenshot(db, {
      companyId,
      workflowId,
      content: big,
      maxBytes: 6 * 1024 * 1024,
    });
    expect(screenshot).toMatchObject({ width: 4000, height: 3000, fileSize: big.length });
  });

  it('joins the transaction of a host EntityManager', async () => {
    const em = db.orm.em.fork();
    await em.begin();
    const { screenshot } = await dedupeScreenshot(em, { companyId, workflowId, content: PNG_3X2 });
    expect(await em.count(Screenshot, { id: screenshot.id })).toBe(1);
    await em.rollback();
    expect(await rows()).toHaveLength(0);
  });

  it('leaves one row when 20 calls race on several connections, and all return its id', async () => {
    // PostgreSQL: one database with a pool of 10 connections, each call on its own fork.
    // SQLite: one connection per Database, so four Databases on the same file, five calls each.
    const handles =
      dialect === 'postgresql'
        ? [await openDatabase({ ...openOptions, url, pool: { min: 0, max: 10 } })]
        : await Promise.all(Array.from({ length: 4 }, () => openDatabase({ ...openOptions, url })));
    try {
      if (dialect === 'postgresql') {
        // Ten open connections before the race: with other suites holding connections of the same
        // server, new ones can be refused for a while (max_connections), and the race would then
        // run on whatever few the pool got.
        await Promise.all(Array.from({ length: 10 }, () => handles[0].connection.execute('select pg_sleep(0.05)')));
      }
      const results = await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          dedupeScreenshot(handles[i % handles.length].fork(), { companyId, workflowId, content: JPEG_5X3 }),
        ),
      );
      const ids = new Set(results.map((r) => r.screenshot.id));
      expect(ids.size).toBe(1);
      expect(results.filter((r) => !r.deduplicated)).toHaveLength(1);
      const stored = await rows();
      expect(stored).toHaveLength(1);
      expect(stored[0].storageKey).toBe(
        `companies/${companyId}/workflows/${workflowId}/screenshots/${stored[0].id}.jpg`,
      );
      for (const r of results) expect(r.screenshot.storageKey).toBe(stored[0].storageKey);
      if (dialect === 'postgresql') {
        // The calls really ran on several connections at once, and every connection is still
        // there afterwards (none was discarded as broken by the race). Behind PgBouncer the
        // server's backends are PgBouncer's pool: the library's connections are its clients.
        const n = PG_VIA_POOLER
          ? await pgbouncerClients(name)
          : Number(
              (
                await handles[0].connection.execute<{ n: string }[]>(
                  "select count(*) as n from pg_stat_activity where datname = current_database() and backend_type = 'client backend'",
                )
              )[0].n,
            );
        expect(n).toBeGreaterThanOrEqual(10);
      }
    } finally {
      for (const handle of handles) await handle.close();
    }
  });
});
