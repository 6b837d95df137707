import { once } from 'node:events';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  authenticate,
  createAdmin,
  createCompany,
  type Database,
  InvalidInputError,
  joinCompany,
  openDatabase,
  type QueryEvent,
  rotateInviteToken,
} from '../../src/index.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

// The `onQuery` option of openDatabase: one structured event per statement the library runs, on
// the executor's one path, for a host's tracing or structured logger. What it must never carry:
// a parameter value, a password, a password hash, an invite token, a raw driver error.
const PASSWORD = 'Hook pass 1234';
const MEMBER_PASSWORD = 'Member pass 5678';

describeEachDialect('the onQuery hook', (dialect) => {
  let target: TestDatabase;
  let db: Database | undefined;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => {
    await db?.close();
    db = undefined;
    await target.drop();
  });

  async function open(onQuery: (event: QueryEvent) => unknown): Promise<Database> {
    db = await openDatabase({ url: target.url, migrate: true, onQuery: onQuery as (event: QueryEvent) => void });
    return db;
  }

  it('reports each statement with its SQL, time, dialect and row count', async () => {
    const events: QueryEvent[] = [];
    const opened = await open((event) => events.push(event));
    events.length = 0;
    const company = await createCompany(opened, { name: 'Acme' });
    const insert = events.find((e) => /insert into "companies"/.test(e.sql));
    expect(insert).toMatchObject({ dialect, rows: 1 });
    expect(insert?.error).toBeUndefined();
    expect(insert?.durationMs).toBeGreaterThanOrEqual(0);
    expect(insert?.sql).toContain('?'); // placeholders, never the values
    expect(insert?.sql).not.toContain('Acme');
    events.length = 0;
    const page = await opened.forCompany(company.id).workflows.list();
    expect(page.items).toEqual([]);
    expect(events.find((e) => /from "workflows"/.test(e.sql))).toMatchObject({ dialect, rows: 0 });
    events.length = 0;
    await opened.connection.execute('select 1'); // MikroORM's own statements are not the library's
    expect(events).toEqual([]);
  });

  it('never carries a password, a password hash or an invite token, across sign-up, sign-in and a token rotation', async () => {
    const events: QueryEvent[] = [];
    const opened = await open((event) => events.push(event));
    const company = await createCompany(opened, { name: 'Acme' });
    await createAdmin(opened, { companyId: company.id, email: 'ann@acme.test', password: PASSWORD });
    await joinCompany(opened, { inviteToken: company.inviteToken, email: 'max@acme.test', password: MEMBER_PASSWORD });
    expect(await authenticate(opened, { email: 'ann@acme.test', password: PASSWORD })).not.toBeNull();
    const fresh = await rotateInviteToken(opened, company.id);
    await expect(
      joinCompany(opened, { inviteToken: company.inviteToken, email: 'late@acme.test', password: MEMBER_PASSWORD }),
    ).rejects.toMatchObject({ code: 'INVALID_INVITE_TOKEN' });
    const [{ hashes }] = await opened.connection.execute<{ hashes: string }[]>(
      dialect === 'postgresql'
        ? `select string_agg(password_hash, ' ') as hashes from users`
        : `select group_concat(password_hash, ' ') as hashes from users`,
    );
    const corpus = JSON.stringify(events);
    // It did see the statements that carry them.
    expect(events.some((e) => /insert into "users".*"password_hash"/.test(e.sql))).toBe(true);
    expect(events.some((e) => /"invite_token" = \?/.test(e.sql))).toBe(true);
    for (const secret of [PASSWORD, MEMBER_PASSWORD, company.inviteToken, fresh, ...hashes.split(' ')]) {
      expect(corpus).not.toContain(secret);
    }
    expect(corpus).not.toMatch(/\$2[aby]\$\d\d\$/);
    for (const event of events) {
      expect(Object.keys(event).sort()).toEqual(
        ['dialect', 'durationMs', 'sql', ...(event.error ? ['error'] : ['rows'])].sort(),
      );
    }
  });

  it('reports a failed statement with the OverlayDbError code and message the caller gets, never the driver error', async () => {
    const events: QueryEvent[] = [];
    const opened = await open((event) => events.push(event));
    const company = await createCompany(opened, { name: 'Acme' });
    // A table gone from under the library: the statement itself fails in the database.
    await opened.connection.execute('drop table "notifications"');
    events.length = 0;
    const attempt = opened.forCompany(company.id).notifications.list();
    await expect(attempt).rejects.toMatchObject({ code: 'DATABASE_ERROR' });
    const failed = events.filter((e) => e.error !== undefined);
    expect(failed).toHaveLength(1);
    expect(failed[0].sql).toMatch(/from "notifications"/);
    expect(failed[0].rows).toBeUndefined();
    expect(failed[0].error).not.toBeInstanceOf(Error); // a plain { code, message }: no driver error, no stack, no cause
    expect(Object.keys(failed[0].error ?? {}).sort()).toEqual(['code', 'message']);
    expect(failed[0].error).toMatchObject({ code: 'DATABASE_ERROR', message: expect.stringMatching(/notifications/) });
  });

  it('a hook that throws, or returns a rejected promise, does not break the call', async () => {
    let calls = 0;
    // Listening before opening: the open's own first statement already calls the hook.
    const warned = once(process, 'warning');
    const opened = await open(() => {
      calls += 1;
      throw new Error('hook broke');
    });
    const company = await createCompany(opened, { name: 'Acme' });
    expect(company.id).toBeGreaterThan(0);
    const [warning] = (await warned) as [Error & { code?: string }];
    expect(warning.code).toBe('OVERLAY_DB_ON_QUERY');
    expect(calls).toBeGreaterThan(0);
    const listed = await opened.forCompany(company.id).workflows.list();
    expect(listed.items).toEqual([]);
    await opened.close();
    db = undefined;
    const rejecting = await openDatabase({
      url: target.url,
      onQuery: (() => Promise.reject(new Error('async hook broke'))) as unknown as (event: QueryEvent) => void,
    });
    db = rejecting;
    const unhandled: unknown[] = [];
    const onUnhandled = (reason: unknown) => unhandled.push(reason);
    process.on('unhandledRejection', onUnhandled);
    try {
      expect((await createCompany(rejecting, { name: 'Globex' })).id).toBeGreaterThan(company.id);
      await new Promise((resolve) => setImmediate(resolve));
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
    expect(unhandled).toEqual([]);
  });

  it('is INVALID_INPUT (field onQuery) when it is not a function, before anything is opened', async () => {
    const attempt = openDatabase({ url: target.url, onQuery: 'yes' as never });
    await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
    await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'onQuery' });
  });
});
