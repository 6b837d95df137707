import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { Database, Notification } from '../../src/index.js';
import { encodeCursor } from '../../src/tenant/cursor.js';
import type { NotificationRepository } from '../../src/tenant/notification-repository.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { rows, seedCompany, seedWorkflow, snapshot, type TestCompany } from './fixtures.js';

describeEachDialect('t.notifications', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterAll(async () => dispose());

  let a: TestCompany;
  let b: TestCompany;
  let notes: NotificationRepository;
  let theirs: NotificationRepository;
  let workflowId: number;
  let foreignWorkflowId: number;
  beforeEach(async () => {
    a = await seedCompany(db);
    b = await seedCompany(db);
    notes = db.forCompany(a.companyId).notifications;
    theirs = db.forCompany(b.companyId).notifications;
    workflowId = (await seedWorkflow(db, a.companyId)).workflowId;
    foreignWorkflowId = (await seedWorkflow(db, b.companyId)).workflowId;
  });

  const expectNothingWritten = async (call: () => Promise<unknown>, expected: Record<string, unknown>) => {
    const before = await snapshot(db);
    await expect(call()).rejects.toMatchObject(expected);
    expect(await snapshot(db)).toBe(before);
  };

  /** Every page of `list`, concatenated, checking each page's size. */
  async function allPages(repo: NotificationRepository, limit: number, unreadOnly = false): Promise<Notification[]> {
    const out: Notification[] = [];
    let cursor: string | null = null;
    for (let guard = 0; guard < 1000; guard++) {
      const page = await repo.list({ limit, unreadOnly, ...(cursor ? { cursor } : {}) });
      expect(page.items.length).toBeLessThanOrEqual(limit);
      if (page.nextCursor) expect(page.items).toHaveLength(limit);
      out.push(...page.items);
      cursor = page.nextCursor;
      if (!cursor) return out;
    }
    throw new Error('pagination did not end');
  }

  describe('create', () => {
    it('creates with the company stamped, defaults the severity by type, and keeps every field', async () => {
      const n = await notes.create({
        type: 'high_failure_rate',
        title: 'Checkout fails often',
        message: '40% of runs failed this week',
        actionUrl: '/workflows/1/health',
        workflowId,
      });
      expect(n).toMatchObject({
        type: 'high_failure_rate',
        severity: 'warning',
        title: 'Checkout fails often',
        message: '40% of runs failed this week',
        actionUrl: '/workflows/1/health',
        read: false,
      });
      expect(n.company.id).toBe(a.companyId);
      expect(n.workflow?.id).toBe(workflowId);
      expect(n.readAt ?? null).toBeNull();
      expect(n.createdAt).toBeInstanceOf(Date);
      const [row] = await rows<{ company_id: number }>(db, 'select "company_id" from "notifications" where "id" = ?', [
        n.id,
      ]);
      expect(Number(row.company_id)).toBe(a.companyId);
      expect((await notes.create({ type: 'workflow_broken', title: 't' })).severity).toBe('error');
      expect((await notes.create({ type: 'workflow_healed', title: 't' })).severity).toBe('info');
      expect((await notes.create({ type: 'low_confidence', title: 't' })).severity).toBe('warning');
      const explicit = await notes.create({ type: 'workflow_healed', severity: 'error', title: 't', workflowId: null });
      expect(explicit.severity).toBe('error');
      expect(explicit.workflow ?? null).toBeNull();
    });

    it('refuses bad input with INVALID_INPUT naming the field, writing nothing', async () => {
      const ok = { type: 'workflow_broken', title: 'x' };
      const cases: [Record<string, unknown>, string][] = [
        [{ type: 'broken' }, 'type'],
        [{ type: undefined }, 'type'],
        [{ severity: 'critical' }, 'severity'],
        [{ title: '' }, 'title'],
        [{ title: '   ' }, 'title'],
        [{ title: undefined }, 'title'],
        [{ title: 'x'.repeat(501) }, 'title'],
        [{ message: 5 }, 'message'],
        [{ actionUrl: 'x'.repeat(4097) }, 'actionUrl'],
        [{ workflowId: 0 }, 'workflowId'],
        [{ workflowId: 'abc' }, 'workflowId'],
        [{ read: true }, 'input.read'],
        [{ companyId: b.companyId }, 'input.companyId'],
      ];
      for (const [patch, field] of cases) {
        await expectNothingWritten(() => notes.create({ ...ok, ...patch } as never), { code: 'INVALID_INPUT', field });
      }
      await expectNothingWritten(() => notes.create(undefined as never), { code: 'INVALID_INPUT', field: 'input' });
    });

    it('refuses a workflow of another company (or a missing one) with CROSS_TENANT_REFERENCE', async () => {
      for (const id of [foreignWorkflowId, 999_999]) {
        await expectNothingWritten(() => notes.create({ type: 'workflow_broken', title: 'x', workflowId: id }), {
          code: 'CROSS_TENANT_REFERENCE',
          field: 'workflowId',
        });
      }
    });
  });

  describe('list', () => {
    it('returns unread first, then newest first, across keyset pages, and only this company', async () => {
      const made: Notification[] = [];
      for (let i = 0; i < 13; i++) {
        made.push(await notes.create({ type: 'workflow_broken', title: `n${i}`, workflowId }));
        await theirs.create({ type: 'workflow_broken', title: `theirs${i}` });
      }
      // Spread creation times and read some, so that neither id nor insertion order is the answer.
      const base = Date.parse('2026-01-01T00:00:00.000Z');
      for (const [i, n] of made.entries()) {
        const at = new Date(base + ((i * 7) % 13) * 60_000).toISOString();
        await rows(db, 'update "notifications" set "created_at" = ?, "read" = ? where "id" = ?', [
          at,
          i % 3 === 0,
          n.id,
        ]);
      }
      const expected = await rows<{ id: number }>(
        db,
        'select "id" from "notifications" where "company_id" = ? order by "read" asc, "created_at" desc, "id" desc',
        [a.companyId],
      );
      for (const limit of [1, 2, 5, 13, 50]) {
        const got = await allPages(notes, limit);
        expect(got.map((n) => n.id)).toEqual(expected.map((r) => Number(r.id)));
        expect(got.every((n) => n.company.id === a.companyId)).toBe(true);
      }
      const unread = await allPages(notes, 3, true);
      expect(unread.every((n) => !n.read)).toBe(true);
      expect(unread.map((n) => n.id)).toEqual(
        expected.map((r) => Number(r.id)).filter((id) => !made.find((n) => n.id === id && made.indexOf(n) % 3 === 0)),
      );
      const first = await notes.list();
      expect(first.items).toHaveLength(13);
      expect(first.nextCursor).toBeNull();
    });

    it('breaks ties on identical timestamps by id, and keeps microsecond timestamps exact in the cursor', async () => {
      const ids: number[] = [];
      for (let i = 0; i < 6; i++) ids.push((await notes.create({ type: 'low_confidence', title: `t${i}` })).id);
      // Two rows share one instant; on PostgreSQL two more differ only in the microseconds,
      // which a JavaScript Date cannot hold (rows written by other clients can have them).
      const same = '2026-02-01T10:00:00.000Z';
      await rows(db, 'update "notifications" set "created_at" = ? where "id" in (?, ?)', [same, ids[0], ids[1]]);
      const micro =
        dialect === 'postgresql' ? ['2026-02-01 09:00:00.123456+00', '2026-02-01 09:00:00.123457+00'] : [same, same];
      await rows(db, 'update "notifications" set "created_at" = ? where "id" = ?', [micro[0], ids[2]]);
      await rows(db, 'update "notifications" set "created_at" = ? where "id" = ?', [micro[1], ids[3]]);
      const expected = await rows<{ id: number }>(
        db,
        'select "id" from "notifications" where "company_id" = ? order by "read" asc, "created_at" desc, "id" desc',
        [a.companyId],
      );
      expect((await allPages(notes, 1)).map((n) => n.id)).toEqual(expected.map((r) => Number(r.id)));
    });

    it('refuses a bad limit, unknown options and forged cursors with INVALID_INPUT', async () => {
      await notes.create({ type: 'low_confidence', title: 'x' });
      const cases: [Record<string, unknown>, string][] = [
        [{ limit: 0 }, 'limit'],
        [{ limit: 501 }, 'limit'],
        [{ limit: 1.5 }, 'limit'],
        [{ unreadOnly: 'yes' }, 'unreadOnly'],
        [{ cursor: 'not a cursor!' }, 'cursor'],
        [{ cursor: 42 }, 'cursor'],
        [{ cursor: encodeCursor([1, 2]) }, 'cursor'],
        [{ cursor: encodeCursor(['x', '2026-01-01T00:00:00.000Z', 1]) }, 'cursor'],
        [{ cursor: encodeCursor([false, 5, 1]) }, 'cursor'],
        [{ cursor: encodeCursor([false, '2026-01-01T00:00:00.000Z', 1.5]) }, 'cursor'],
        [{ offset: 5 }, 'options.offset'],
      ];
      for (const [options, field] of cases) {
        await expect(notes.list(options as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field });
      }
    });
  });

  describe('markRead / markAllRead', () => {
    it('markRead sets read, readAt and readBy; marking again keeps the first reader', async () => {
      const n = await notes.create({ type: 'workflow_broken', title: 'x', workflowId });
      const read = await notes.markRead(n.id, a.adminId);
      expect(read).toMatchObject({ id: n.id, read: true });
      expect(read.readBy?.id).toBe(a.adminId);
      expect(read.readAt).toBeInstanceOf(Date);
      const again = await notes.markRead(n.id, a.userId);
      expect(again.readBy?.id).toBe(a.adminId);
      expect(again.readAt?.getTime()).toBe(read.readAt?.getTime());
      const page = await notes.list();
      expect(page.items.find((x) => x.id === n.id)?.read).toBe(true);
    });

    it('markRead: NOT_FOUND for a foreign or missing notification, CROSS_TENANT_REFERENCE for a foreign user', async () => {
      const mine = await notes.create({ type: 'workflow_broken', title: 'x' });
      const foreign = await theirs.create({ type: 'workflow_broken', title: 'y' });
      await expectNothingWritten(() => notes.markRead(foreign.id, a.adminId), { code: 'NOT_FOUND' });
      await expectNothingWritten(() => notes.markRead(999_999, a.adminId), { code: 'NOT_FOUND' });
      await expectNothingWritten(() => notes.markRead(mine.id, b.adminId), {
        code: 'CROSS_TENANT_REFERENCE',
        field: 'userId',
      });
      await expectNothingWritten(() => notes.markRead(mine.id, 999_999), {
        code: 'CROSS_TENANT_REFERENCE',
        field: 'userId',
      });
      await expectNothingWritten(() => theirs.markRead(mine.id, b.adminId), { code: 'NOT_FOUND' });
      await expect(notes.markRead(0, a.adminId)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'id' });
      await expect(notes.markRead(mine.id, -1)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'userId' });
    });

    it('markAllRead marks only this company’s unread notifications and returns the count', async () => {
      for (let i = 0; i < 4; i++) await notes.create({ type: 'workflow_broken', title: `${i}` });
      const preRead = await notes.create({ type: 'workflow_healed', title: 'already' });
      await notes.markRead(preRead.id, a.userId);
      for (let i = 0; i < 3; i++) await theirs.create({ type: 'workflow_broken', title: `${i}` });
      expect(await notes.markAllRead(a.adminId)).toBe(4);
      expect(await notes.markAllRead(a.adminId)).toBe(0);
      const all = await allPages(notes, 10);
      expect(all.every((n) => n.read)).toBe(true);
      expect(all.find((n) => n.id === preRead.id)?.readBy?.id).toBe(a.userId);
      expect(all.filter((n) => n.readBy?.id === a.adminId)).toHaveLength(4);
      expect((await theirs.list({ unreadOnly: true })).items).toHaveLength(3);
    });

    it('markAllRead refuses a foreign or missing user with CROSS_TENANT_REFERENCE, writing nothing', async () => {
      await notes.create({ type: 'workflow_broken', title: 'x' });
      await expectNothingWritten(() => notes.markAllRead(b.adminId), {
        code: 'CROSS_TENANT_REFERENCE',
        field: 'userId',
      });
      await notes.markAllRead(a.adminId);
      // With nothing left to mark the user is still checked.
      await expectNothingWritten(() => notes.markAllRead(999_999), { code: 'CROSS_TENANT_REFERENCE', field: 'userId' });
      await expect(notes.markAllRead('1' as never)).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'userId' });
    });
  });
});
