// Issue 14 item 7: a database written by the 0.1 release (MikroORM 6, commit 4be5308) opens under
// this one as it is: only the migrations added since to run (an index), `check()` in sync after
// them, every row read back as 0.1 read it, and new writes land beside the old rows. The fixtures and what 0.1 read from them are made by
// scripts/make-carry-over-fixtures.mjs (test/fixtures/carry-over/README.md). Adopting the Python
// backend's database is covered by test/migrations-adopt.test.ts.
import { copyFileSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION } from '../../migrations/index.js';
import {
  authenticate,
  Company,
  type Database,
  type Dialect,
  dedupeScreenshot,
  joinCompany,
  openDatabase,
} from '../../src/index.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';
import { introspectTable } from '../support/introspect.js';

const FIXTURES = join(dirname(fileURLToPath(import.meta.url)), '..', 'fixtures', 'carry-over');

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type Row = { [key: string]: Json };

/** What 0.1 read back through its own API right after writing the fixture (see the script). */
interface Expected {
  madeBy: { commit: string; node: string; mikroOrm: string; dialect: Dialect };
  migrations: string[];
  companies: { id: number; name: string; settings: Row; createdAt: string; inviteToken: string }[];
  credentials: { companyId: number; userId: number; email: string; password: string }[];
  tenants: Record<
    string,
    {
      users: Row[];
      list: { id: number; stepCount: number }[];
      workflows: Row[];
      screenshots: Record<string, Row[]>;
      healthLogs: Record<string, Row[]>;
      summaries: Record<string, Row>;
      notifications: Row[];
      /** Every page of a keyset-paginated list as 0.1 served it, with the cursor it handed out for the page. */
      pages: {
        workflows: Page[];
        notifications: Page[];
        healthLogs: Record<string, Page[]>;
      };
    }
  >;
}

interface Page {
  cursor: string | null;
  ids: number[];
}

type ListPage = { items: { id: number }[]; nextCursor: string | null };

/**
 * Pages through a list as 0.1 did (this release's own cursors give the same pages), and each
 * cursor 0.1 handed out still gives its page: a client paging across the upgrade goes on.
 */
async function expectPages(
  read: (options: { limit: number; cursor?: string }) => Promise<ListPage>,
  limit: number,
  pages: Page[],
): Promise<void> {
  const own: number[][] = [];
  for (let cursor: string | null = null; ; ) {
    const page: ListPage = await read(cursor === null ? { limit } : { limit, cursor });
    own.push(page.items.map((item) => item.id));
    cursor = page.nextCursor;
    if (cursor === null) break;
  }
  expect(own).toEqual(pages.map((p) => p.ids));
  for (const { cursor, ids } of pages) {
    if (cursor === null) continue;
    expect((await read({ limit, cursor })).items.map((item) => item.id)).toEqual(ids);
  }
}

// The same 1×1 PNG the script stored for both companies.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);

/** Properties that hold a reference to another row; 0.1's JSON gives them as the row's id. */
const REFERENCES = new Set(['company', 'workflow', 'step', 'user', 'screenshot', 'editedBy', 'createdBy', 'readBy']);
/** Properties that hold rows of their own. */
const NESTED_ROWS = new Set(['steps', 'recentLogs']);

/**
 * A returned value in the form of the expected JSON, read property by property (those of the
 * expected row): dates as ISO text, references as ids, JSON payloads verbatim, so a JSON column
 * that gained or lost a key differs. A property the new release does not return reads `<missing>`.
 */
function asRow(actual: unknown, expected: Row): Row {
  const source = actual as Record<string, unknown>;
  const out: Row = {};
  for (const key of Object.keys(expected)) {
    const value = source[key];
    if (value === undefined) out[key] = '<missing>';
    else if (value instanceof Date) out[key] = value.toISOString();
    else if (REFERENCES.has(key)) out[key] = referenceId(value);
    else if (NESTED_ROWS.has(key)) out[key] = asRows(value, expected[key] as Row[]);
    else out[key] = JSON.parse(JSON.stringify(value)) as Json;
  }
  return out;
}

function asRows(actual: unknown, expected: Row[]): Row[] {
  return (actual as unknown[]).map((item, i) => asRow(item, expected[i] ?? expected[0] ?? {}));
}

function referenceId(value: unknown): Json {
  if (value === null || typeof value === 'number') return value;
  const ref = value as { id?: unknown; unwrap?: () => { id: unknown } };
  const id = ref.id ?? ref.unwrap?.().id;
  return typeof id === 'number' ? id : `<reference without id: ${String(value)}>`;
}

/**
 * The schema as the catalog states it: every table's columns, keys and indexes and, on
 * PostgreSQL, the server's own text of each index, constraint and enum type.
 */
async function schemaOf(db: Database): Promise<Record<string, unknown>> {
  const run = <T>(sql: string) => db.connection.execute<T[]>(sql, [], 'all') as Promise<T[]>;
  const names = (
    db.dialect === 'sqlite'
      ? await run<{ name: string }>(
          "select name from sqlite_master where type = 'table' and name not like 'sqlite_%' order by name",
        )
      : await run<{ name: string }>(
          "select table_name as name from information_schema.tables where table_schema = 'public' order by table_name",
        )
  ).map((t) => t.name);
  const schema: Record<string, unknown> = {};
  for (const name of names) {
    const table = await introspectTable(db, name);
    schema[name] = {
      ...table,
      foreignKeys: [...table.foreignKeys].sort((a, b) => a.column.localeCompare(b.column)),
      indexes: [...table.indexes].sort((a, b) => a.name.localeCompare(b.name)),
    };
  }
  if (db.dialect === 'postgresql') {
    schema.pg_indexes = await run(
      "select tablename, indexname, indexdef from pg_indexes where schemaname = 'public' order by indexname",
    );
    schema.pg_constraint = await run(
      `select conrelid::regclass::text as "table", conname, pg_get_constraintdef(oid) as def from pg_constraint
       where connamespace = 'public'::regnamespace order by 1, 2`,
    );
    schema.pg_enum = await run(
      `select t.typname, array_agg(e.enumlabel order by e.enumsortorder) as labels from pg_type t
       join pg_enum e on e.enumtypid = t.oid group by t.typname order by t.typname`,
    );
  }
  return schema;
}

/** Restores the 0.1 fixture of `dialect` into a fresh scratch database. */
async function restoreFixture(dialect: Dialect): Promise<TestDatabase> {
  const target = await createTestDatabase(dialect);
  if (dialect === 'sqlite') {
    copyFileSync(join(FIXTURES, '0.1.0.sqlite.db'), target.name);
    return target;
  }
  const client = new pg.Client({ connectionString: target.url });
  await client.connect();
  try {
    // A plain pg_dump with rows as INSERTs; one simple-protocol query runs all of it.
    await client.query(readFileSync(join(FIXTURES, '0.1.0.postgresql.sql'), 'utf8'));
  } finally {
    await client.end();
  }
  return target;
}

describeEachDialect('data written by the 0.1 release', (dialect) => {
  const expected = JSON.parse(readFileSync(join(FIXTURES, `0.1.0.${dialect}.expected.json`), 'utf8')) as Expected;
  const [acme, globex] = expected.companies;
  const tenant = (id: number) => expected.tenants[String(id)];
  const workflowIds = (companyId: number) => tenant(companyId).list.map((w) => w.id);
  const maxId = (rows: Row[]) => Math.max(...rows.map((r) => r.id as number));

  let target: TestDatabase;
  let db: Database;
  beforeAll(async () => {
    expect(expected.madeBy).toMatchObject({ commit: '4be5308', dialect });
    target = await restoreFixture(dialect);
    db = await openDatabase({ url: target.url });
  });
  afterAll(async () => {
    await db?.close();
    await target?.drop();
  });

  it('has every migration of 0.1 applied, only the index migration of this release to run, then is in sync', async () => {
    // 0.1 shipped the first two migrations; this release adds 0003 (an index of failed runs).
    expect(await db.migrator.pending()).toEqual([FAILED_RUNS_INDEX_MIGRATION]);
    const check = await db.migrator.check();
    expect(check.inSync).toBe(false);
    expect(check.statements).toEqual([expect.stringMatching(/^create index [`"]?health_logs_failed_runs_index[`"]? /)]);
    expect(await db.migrator.up()).toEqual([FAILED_RUNS_INDEX_MIGRATION]);
    const history = await db.migrator.history();
    expect(history.map((m) => m.name)).toEqual([...expected.migrations, FAILED_RUNS_INDEX_MIGRATION]);
    expect(history.every((m) => m.applied && m.appliedAt instanceof Date)).toBe(true);
    expect(await db.migrator.current()).toBe(FAILED_RUNS_INDEX_MIGRATION);
    expect(await db.migrator.check()).toEqual({ inSync: true, statements: [] });
    await expect(db.migrator.assertInSync()).resolves.toBeUndefined();
  });

  it('has the schema a fresh migration of this release creates', async () => {
    const fresh = await createTestDatabase(dialect);
    const freshDb = await openDatabase({ url: fresh.url, migrate: true });
    try {
      expect(await schemaOf(db)).toEqual(await schemaOf(freshDb));
    } finally {
      await freshDb.close();
      await fresh.drop();
    }
  });

  it('reads the companies as 0.1 wrote them', async () => {
    const em = db.fork();
    for (const company of expected.companies) {
      const row = await em.findOne(Company, company.id);
      expect(row).not.toBeNull();
      expect(asRow(row, { id: 0, name: '', settings: {}, createdAt: '', inviteToken: '' })).toEqual(company);
    }
  });

  it('reads every row through the tenant scope with the values 0.1 read', async () => {
    for (const { id } of expected.companies) {
      const want = tenant(id);
      const t = db.forCompany(id);

      expect(asRows(await t.users.list(), want.users)).toEqual(want.users);

      const listed = (await t.workflows.list({ limit: 100 })).items;
      expect(listed.map((w) => ({ id: w.id, stepCount: w.stepCount }))).toEqual(want.list);

      for (const workflow of want.workflows) {
        const wid = workflow.id as number;
        // Steps in stepNumber order, each JSON payload intact.
        expect(asRow(await t.workflows.getWithSteps(wid), workflow)).toEqual(workflow);
        const { steps, ...bare } = workflow;
        expect(asRow(await t.workflows.get(wid), bare)).toEqual(bare);
        expect(asRows(await t.steps.listByWorkflow(wid), steps as Row[])).toEqual(steps);
        for (const step of steps as Row[]) expect(asRow(await t.steps.get(step.id as number), step)).toEqual(step);

        const shots = want.screenshots[wid];
        expect(asRows(await t.screenshots.listByWorkflow(wid), shots)).toEqual(shots);
        for (const shot of shots) expect(asRow(await t.screenshots.get(shot.id as number), shot)).toEqual(shot);

        const logs = want.healthLogs[wid];
        expect(asRows((await t.healthLogs.listByWorkflow(wid, { limit: 100 })).items, logs)).toEqual(logs);
        const summary = await t.healthLogs.summary(wid);
        expect(summary).not.toBeNull();
        expect(asRow(summary, want.summaries[wid])).toEqual(want.summaries[wid]);
      }

      expect(asRows((await t.notifications.list({ limit: 100 })).items, want.notifications)).toEqual(
        want.notifications,
      );
      const pages = want.pages;
      await expectPages((o) => t.workflows.list(o), 2, pages.workflows);
      await expectPages((o) => t.notifications.list(o), 1, pages.notifications);
      for (const [wid, logPages] of Object.entries(pages.healthLogs)) {
        await expectPages((o) => t.healthLogs.listByWorkflow(Number(wid), o), 1, logPages);
      }

      const unread = want.notifications.filter((n) => n.read === false).map((n) => n.id);
      expect((await t.notifications.list({ unreadOnly: true })).items.map((n) => n.id)).toEqual(unread);
    }
  });

  it('lets every user sign in with the password given to 0.1, and no one with another', async () => {
    for (const { email, password, userId, companyId } of expected.credentials) {
      const user = await authenticate(db, { email, password });
      expect(user).not.toBeNull();
      expect(user!.id).toBe(userId);
      expect(referenceId(user!.company)).toBe(companyId);
      expect(await authenticate(db, { email, password: `${password}!` })).toBeNull();
    }
  });

  it('keeps each company out of the other one’s rows', async () => {
    const pairs = [
      [acme.id, globex.id],
      [globex.id, acme.id],
    ] as const;
    for (const [own, other] of pairs) {
      const t = db.forCompany(own);
      const theirs = tenant(other);
      for (const workflow of theirs.workflows) {
        const wid = workflow.id as number;
        expect(await t.workflows.get(wid)).toBeNull();
        expect(await t.workflows.getWithSteps(wid)).toBeNull();
        expect(await t.steps.listByWorkflow(wid)).toEqual([]);
        for (const step of workflow.steps as Row[]) expect(await t.steps.get(step.id as number)).toBeNull();
        expect(await t.screenshots.listByWorkflow(wid)).toEqual([]);
        expect((await t.healthLogs.listByWorkflow(wid)).items).toEqual([]);
        expect(await t.healthLogs.summary(wid)).toBeNull();
        await expect(t.workflows.update(wid, { name: 'taken over' })).rejects.toMatchObject({ code: 'NOT_FOUND' });
      }
      for (const shot of Object.values(theirs.screenshots).flat()) {
        expect(await t.screenshots.get(shot.id as number)).toBeNull();
      }
      for (const user of theirs.users) expect(await t.users.get(user.id as number)).toBeNull();
      const ownUsers = tenant(own).users.map((u) => u.id as number);
      for (const note of theirs.notifications) {
        await expect(t.notifications.markRead(note.id as number, ownUsers[0])).rejects.toMatchObject({
          code: 'NOT_FOUND',
        });
      }
      const theirIds = new Set(theirs.notifications.map((n) => n.id));
      expect((await t.notifications.list({ limit: 100 })).items.some((n) => theirIds.has(n.id))).toBe(false);
    }
    // Nothing above wrote anything.
    const g = db.forCompany(globex.id);
    for (const workflow of tenant(globex.id).workflows) {
      expect((await g.workflows.get(workflow.id as number))?.name).toBe(workflow.name);
    }
  });

  it('writes new rows beside the old ones: new ids, newest first, settings and unique keys honoured', async () => {
    const t = db.forCompany(acme.id);
    const want = tenant(acme.id);
    const admin = expected.credentials.find((c) => c.companyId === acme.id)!;

    // The invite token 0.1 stored still lets people join.
    const eve = await joinCompany(db, {
      inviteToken: acme.inviteToken,
      email: 'eve@acme.test',
      password: 'eve-joins-later-1',
    });
    expect(eve.id).toBeGreaterThan(Math.max(...expected.credentials.map((c) => c.userId)));
    expect((await authenticate(db, { email: 'eve@acme.test', password: 'eve-joins-later-1' }))?.id).toBe(eve.id);

    // The same image again is the row 0.1 stored (the per-company unique key and hash lookup carried over).
    const oldShot = Object.values(want.screenshots)
      .flat()
      .find((s) => s.format === 'png')!;
    const again = await dedupeScreenshot(db, { companyId: acme.id, workflowId: workflowIds(acme.id)[0], content: PNG });
    expect(again).toMatchObject({ deduplicated: true });
    expect(again.screenshot.id).toBe(oldShot.id);

    const created = await t.workflows.create({
      name: 'Written by the new release',
      startingUrl: 'https://app.example.test/new',
      tags: ['carried-over'],
      createdBy: admin.userId,
      steps: [
        {
          actionType: 'click',
          selectors: { primary: '#go', stable_attrs: { nested: [1, { a: null }] } },
          elementMeta: { tag_name: 'a' },
          pageContext: { url: 'https://app.example.test/new' },
          screenshotId: oldShot.id as number,
        },
      ],
    });
    const allWorkflows = Object.values(expected.tenants).flatMap((x) => x.workflows);
    expect(created.id).toBeGreaterThan(maxId(allWorkflows));
    const withSteps = await t.workflows.getWithSteps(created.id);
    expect(withSteps?.steps.map((s) => s.stepNumber)).toEqual([1]);
    expect(withSteps?.steps[0].id).toBeGreaterThan(maxId(allWorkflows.flatMap((w) => w.steps as Row[])));
    expect(withSteps?.steps[0].selectors).toEqual({ primary: '#go', stable_attrs: { nested: [1, { a: null }] } });
    // Newest first: the new row's timestamp sorts after every one 0.1 wrote, in SQL as in the list.
    expect((await t.workflows.list()).items.map((w) => w.id)).toEqual([created.id, ...workflowIds(acme.id)]);
    const byCreated = await db.connection.execute<{ id: number }[]>(
      'select id from workflows where company_id = ? order by created_at desc, id desc',
      [acme.id],
    );
    expect(byCreated.map((r) => Number(r.id))).toEqual([created.id, ...workflowIds(acme.id)]);

    // A run on a workflow 0.1 left broken after two failures revives it and raises one notification.
    const broken = want.workflows.find((w) => w.status === 'broken')!;
    const revived = await t.healthLogs.record({
      workflowId: broken.id as number,
      userId: admin.userId,
      status: 'success',
      executionTimeMs: 1234,
    });
    expect(revived.workflow).toMatchObject({ status: 'active', consecutiveFailures: 0 });
    expect(revived.workflow.totalUses).toBe((broken.totalUses as number) + 1);
    expect(revived.notification).toMatchObject({ type: 'workflow_healed' });
    const allLogs = Object.values(expected.tenants).flatMap((x) => Object.values(x.healthLogs).flat());
    expect(revived.log.id).toBeGreaterThan(maxId(allLogs));
    const logs = (await t.healthLogs.listByWorkflow(broken.id as number)).items.map((l) => l.id);
    expect(logs).toEqual([revived.log.id, ...want.healthLogs[broken.id as number].map((l) => l.id)]);
    expect((await t.notifications.list({ limit: 100 })).items[0].id).toBe(revived.notification!.id);

    // Acme's settings say two failures in a row break a workflow (the default is three).
    expect(acme.settings).toMatchObject({ brokenAfterFailures: 2 });
    const draft = want.workflows.find((w) => w.status === 'draft' && (w.steps as Row[]).length === 0)!;
    await t.healthLogs.record({ workflowId: draft.id as number, userId: admin.userId, status: 'failed' });
    const second = await t.healthLogs.record({
      workflowId: draft.id as number,
      userId: admin.userId,
      status: 'failed',
    });
    expect(second.workflow.status).toBe('broken');
    expect(second.notification).toMatchObject({ type: 'workflow_broken' });

    // Still nothing to migrate, still in sync.
    expect(await db.migrator.up()).toEqual([]);
    expect(await db.migrator.check()).toEqual({ inSync: true, statements: [] });
  });
});
