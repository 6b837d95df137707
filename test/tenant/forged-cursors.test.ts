import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { codeOf, type SeededCompany, seedCompany, stepInput } from './fixtures.js';

// A cursor is opaque, but a caller can still decode, change and re-encode one. Whatever it holds,
// a cursor not made by this library is INVALID_INPUT on both dialects: never a query error, never
// a page read from the wrong place.
const forge = (values: unknown[]): string => Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');

const TIME = '2024-05-01T10:00:00.000000Z';
const BAD_TIMES = [
  'garbage',
  '',
  '2024-05-01T10:00:00+99:99',
  '2024-05-01T10:00:00+16:00',
  '2024-02-30T10:00:00Z',
  '2024-05-01T25:00:00Z',
  '0000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00.000Z',
  '2024-05-01T10:00:00Z; drop table workflows',
];
const BAD_IDS = [2 ** 31, 2 ** 31 + 1, 2 ** 53 - 1, 0, -1, 1.5];

describeEachDialect('forged cursors are INVALID_INPUT', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let co: SeededCompany;
  let workflowId: number;

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    co = await seedCompany(db);
    const t = db.forCompany(co.companyId);
    for (let i = 0; i < 3; i++) {
      const wf = await t.workflows.create({ name: `w${i}`, startingUrl: 'https://x.test', steps: [stepInput()] });
      workflowId = wf.id;
      await t.notifications.create({ type: 'workflow_broken', title: `n${i}`, workflowId: wf.id });
    }
    await t.workflows.update(workflowId, { status: 'draft' });
    await t.workflows.update(workflowId, { status: 'active' });
    for (let i = 0; i < 3; i++) {
      await t.healthLogs.record({ workflowId, userId: co.userId, status: 'success' });
    }
  });
  afterAll(async () => {
    await dispose?.();
  });

  const lists = {
    workflows: {
      call: (cursor: string) => db.forCompany(co.companyId).workflows.list({ limit: 1, cursor }),
      cursor: (at: unknown, id: unknown) => forge([at, id]),
    },
    healthLogs: {
      call: (cursor: string) => db.forCompany(co.companyId).healthLogs.listByWorkflow(workflowId, { limit: 1, cursor }),
      cursor: (at: unknown, id: unknown) => forge([at, id]),
    },
    notifications: {
      call: (cursor: string) => db.forCompany(co.companyId).notifications.list({ limit: 1, cursor }),
      cursor: (at: unknown, id: unknown) => forge([false, at, id]),
    },
  };

  for (const [name, list] of Object.entries(lists)) {
    it(`${name}: the cursor of a real page still works, and a well-formed forged one is accepted`, async () => {
      const first = await list.call(undefined as never);
      expect(first.nextCursor).not.toBeNull();
      const second = await list.call(first.nextCursor as string);
      expect(second.items).toHaveLength(1);
      await list.call(list.cursor(TIME, 2 ** 31 - 1));
    });

    it.each(BAD_TIMES)(`${name}: time %j`, async (at) => {
      expect(await codeOf(() => list.call(list.cursor(at, 1)))).toBe('INVALID_INPUT');
    });

    it.each(BAD_IDS)(`${name}: id %s`, async (id) => {
      expect(await codeOf(() => list.call(list.cursor(TIME, id)))).toBe('INVALID_INPUT');
    });
  }
});
