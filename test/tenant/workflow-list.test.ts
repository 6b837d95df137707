import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, TenantScope, WorkflowSummary } from '../../src/index.js';
import { encodeCursor } from '../../src/tenant/cursor.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { codeOf, type SeededCompany, seedCompany, sql, stepInput } from './fixtures.js';

describeEachDialect('t.workflows.list', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  const statements: string[] = [];
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect, { debug: true, logger: (line) => statements.push(line) }));
  });
  afterAll(async () => dispose());

  async function company(): Promise<{ c: SeededCompany; t: TenantScope }> {
    const c = await seedCompany(db);
    return { c, t: db.forCompany(c.companyId) };
  }

  async function all(t: TenantScope, options: Record<string, unknown> = {}): Promise<WorkflowSummary[]> {
    const out: WorkflowSummary[] = [];
    let cursor: string | null = null;
    do {
      const page = await t.workflows.list({ ...options, cursor });
      out.push(...page.items);
      cursor = page.nextCursor;
    } while (cursor);
    return out;
  }

  /** Inserts a workflow with a chosen created_at (as text the database parses), bypassing the scope. */
  async function insertAt(companyId: number, createdAt: string, name: string): Promise<number> {
    const [row] = await sql<{ id: number }>(
      db,
      `insert into "workflows" ("company_id", "name", "starting_url", "created_at", "updated_at") values (?, ?, 'u', ?, ?) returning "id"`,
      [companyId, name, createdAt, createdAt],
    );
    return Number(row.id);
  }

  it('pages through every workflow newest first, each once, with its step count', async () => {
    const { t } = await company();
    const { t: other } = await company();
    const ids: number[] = [];
    for (let i = 0; i < 7; i++) {
      const wf = await t.workflows.create({
        name: `W${i}`,
        startingUrl: 'u',
        steps: Array.from({ length: i % 3 }, () => stepInput()),
      });
      ids.push(wf.id);
      await other.workflows.create({ name: `Other${i}`, startingUrl: 'u', steps: [stepInput()] });
    }
    const page1 = await t.workflows.list({ limit: 3 });
    expect(page1.items.map((i) => i.id)).toEqual(ids.slice().reverse().slice(0, 3));
    expect(page1.nextCursor).toEqual(expect.any(String));
    const items = await all(t, { limit: 3 });
    expect(items.map((i) => i.id)).toEqual(ids.slice().reverse());
    expect(items.map((i) => i.stepCount)).toEqual(ids.map((_, i) => i % 3).reverse());
    expect(items.every((i) => i.company.id === t.companyId)).toBe(true);
    // The count travels with the entity into its JSON, next to the mapped fields.
    const json = JSON.parse(JSON.stringify(items[0]));
    expect(json).toMatchObject({ id: items[0].id, name: items[0].name, stepCount: items[0].stepCount });
    expect(json.company).toBe(t.companyId);
    const exact = await t.workflows.list({ limit: 7 });
    expect(exact.items).toHaveLength(7);
    expect(exact.nextCursor).toBeNull();
  });

  it('reads a page and its step counts in one statement, company-checked on both tables', async () => {
    const { t } = await company();
    for (let i = 0; i < 4; i++) await t.workflows.create({ name: `C${i}`, startingUrl: 'u', steps: [stepInput()] });
    statements.length = 0;
    const page = await t.workflows.list({ limit: 2 });
    expect(page.items.map((i) => i.stepCount)).toEqual([1, 1]);
    const selects = statements.filter((s) => /\bselect\b/i.test(s));
    expect(selects).toHaveLength(1);
    expect(selects[0]).toMatch(
      /count\(\*\) from "steps" as "s" where "s"\."workflow_id" = "w"\."id" and "s"\."company_id" = "w"\."company_id"/,
    );
    expect(statements.some((s) => /\boffset\b/i.test(s))).toBe(false);
  });

  it('is stable while rows are inserted between pages', async () => {
    const { t } = await company();
    const before: number[] = [];
    for (let i = 0; i < 6; i++) before.push((await t.workflows.create({ name: `S${i}`, startingUrl: 'u' })).id);
    const page1 = await t.workflows.list({ limit: 3 });
    for (let i = 0; i < 5; i++) await t.workflows.create({ name: `New${i}`, startingUrl: 'u' });
    const page2 = await t.workflows.list({ limit: 3, cursor: page1.nextCursor });
    const seen = [...page1.items, ...page2.items].map((i) => i.id);
    expect(seen).toEqual(before.slice().reverse());
  });

  it('breaks ties of created_at by id and keeps every digit of the stored time in the cursor', async () => {
    const { c, t } = await company();
    // PostgreSQL keeps microseconds (rows written by other clients have them); SQLite keeps the text.
    const times =
      dialect === 'postgresql'
        ? [
            '2024-05-01T10:00:00.123456Z',
            '2024-05-01T10:00:00.123457Z',
            '2024-05-01T10:00:00.123456Z',
            '2024-05-01T10:00:00.1234Z',
          ]
        : [
            '2024-05-01T10:00:00.123Z',
            '2024-05-01T10:00:00.124Z',
            '2024-05-01T10:00:00.123Z',
            '2024-05-01T10:00:00.122Z',
          ];
    const ids: number[] = [];
    for (const [i, at] of times.entries()) ids.push(await insertAt(c.companyId, at, `T${i}`));
    const items = await all(t, { limit: 1 });
    // Newest first: .123457 (or .124), then the two equal times by id descending, then the oldest.
    expect(items.map((i) => i.id)).toEqual([ids[1], ids[2], ids[0], ids[3]]);
  });

  it('filters by status, tag and creator (tags with quotes and wildcards match literally)', async () => {
    const { c, t } = await company();
    const a = await t.workflows.create({
      name: 'A',
      startingUrl: 'u',
      tags: ['billing', 'say "hi"'],
      createdBy: c.adminId,
    });
    const b = await t.workflows.create({ name: 'B', startingUrl: 'u', tags: ['50%'], createdBy: c.userId });
    const d = await t.workflows.create({ name: 'D', startingUrl: 'u', tags: ['billing'], steps: [stepInput()] });
    await t.workflows.update(b.id, { status: 'active' });
    const ids = async (options: Record<string, unknown>) => (await all(t, options)).map((i) => i.id);
    expect(await ids({ status: 'active' })).toEqual([b.id]);
    expect(await ids({ status: 'processing' })).toEqual([d.id]);
    expect(await ids({ tag: 'billing' })).toEqual([d.id, a.id]);
    expect(await ids({ tag: 'say "hi"' })).toEqual([a.id]);
    expect(await ids({ tag: '50%' })).toEqual([b.id]);
    expect(await ids({ tag: '5%' })).toEqual([]);
    expect(await ids({ tag: 'bill' })).toEqual([]);
    expect(await ids({ createdBy: c.adminId })).toEqual([a.id]);
    expect(await ids({ createdBy: c.userId, status: 'active', tag: '50%' })).toEqual([b.id]);
    expect(await ids({ status: 'broken' })).toEqual([]);
  });

  it('pages a filtered list', async () => {
    const { t } = await company();
    const tagged: number[] = [];
    for (let i = 0; i < 9; i++) {
      const wf = await t.workflows.create({ name: `F${i}`, startingUrl: 'u', tags: i % 2 ? ['odd'] : ['even'] });
      if (i % 2) tagged.push(wf.id);
    }
    expect((await all(t, { tag: 'odd', limit: 2 })).map((i) => i.id)).toEqual(tagged.reverse());
  });

  it('defaults to 50 per page and allows at most LIMITS.pageSize', async () => {
    const { c, t } = await company();
    for (let i = 0; i < 52; i++)
      await insertAt(c.companyId, new Date(Date.UTC(2024, 0, 1, 0, 0, i)).toISOString(), `L${i}`);
    const page = await t.workflows.list();
    expect(page.items).toHaveLength(50);
    expect(page.nextCursor).not.toBeNull();
    expect((await t.workflows.list({ limit: 500 })).items).toHaveLength(52);
  });

  it.each([
    ['limit 0', { limit: 0 }, 'limit'],
    ['limit 501', { limit: 501 }, 'limit'],
    ['limit 1.5', { limit: 1.5 }, 'limit'],
    ['unknown status', { status: 'gone' }, 'status'],
    ['empty tag', { tag: '' }, 'tag'],
    ['createdBy a string', { createdBy: '3' }, 'createdBy'],
    ['unknown option', { offset: 10 }, 'options.offset'],
    ['cursor not base64url', { cursor: 'not a cursor!' }, 'cursor'],
    ['cursor of other arity', { cursor: encodeCursor([1]) }, 'cursor'],
    ['cursor with a non-time', { cursor: encodeCursor(['yesterday', 1]) }, 'cursor'],
    ['cursor with an impossible date', { cursor: encodeCursor(['2024-02-31T00:00:00.000Z', 1]) }, 'cursor'],
    ['cursor with SQL', { cursor: encodeCursor(["2024-01-01T00:00:00Z' or 1=1 --", 1]) }, 'cursor'],
    ['cursor with a bad id', { cursor: encodeCursor(['2024-01-01T00:00:00.000Z', -1]) }, 'cursor'],
  ])('rejects %s with INVALID_INPUT', async (_, options, field) => {
    const { t } = await company();
    expect(await t.workflows.list(options as never).catch((e) => e)).toMatchObject({ code: 'INVALID_INPUT', field });
  });

  it("never shows another company's workflows, even with a cursor taken from that company's list", async () => {
    const { t } = await company();
    const { t: other } = await company();
    for (let i = 0; i < 3; i++) await other.workflows.create({ name: `O${i}`, startingUrl: 'u' });
    const theirs = await other.workflows.list({ limit: 1 });
    expect((await t.workflows.list()).items).toEqual([]);
    expect((await t.workflows.list({ cursor: theirs.nextCursor })).items).toEqual([]);
    expect(await codeOf(() => t.workflows.list({ limit: -1 }))).toBe('INVALID_INPUT');
  });
});
