import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticate,
  createAdmin,
  createCompany,
  type Database,
  joinCompany,
  normalizeEmail,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { sql } from '../tenant/fixtures.js';

const PASSWORD = 'correct horse 9';

async function codeOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => 'NO ERROR',
    (e: { code?: unknown }) => e.code,
  );
}

describe('normalizeEmail: one mailbox, one spelling', () => {
  it('gives an internationalized domain its ASCII (IDNA) form, whichever way it was typed', () => {
    expect(normalizeEmail('admin@exämple.test')).toBe('admin@xn--exmple-cua.test');
    expect(normalizeEmail('admin@xn--exmple-cua.test')).toBe('admin@xn--exmple-cua.test');
    expect(normalizeEmail('Admin@EXÄMPLE.test')).toBe('admin@xn--exmple-cua.test');
    expect(normalizeEmail('admin@ＡＣＭＥ.test')).toBe('admin@acme.test');
  });

  it('applies NFKC, so compatibility characters match their plain spelling', () => {
    expect(normalizeEmail('\uFB00@acme.test')).toBe('ff@acme.test');
    expect(normalizeEmail('ＡＤＡ@acme.test')).toBe('ada@acme.test');
  });

  it('refuses a domain that has no valid IDNA form with INVALID_INPUT', () => {
    for (const email of ['a@xn--a.test', 'a@xn--zz.test', 'a@a\u200db.test']) {
      let error: { code?: unknown; field?: unknown } | undefined;
      try {
        normalizeEmail(email);
      } catch (e) {
        error = e as typeof error;
      }
      expect(error?.code, email).toBe('INVALID_INPUT');
      expect(error?.field, email).toBe('email');
    }
  });
});

describeEachDialect('one account per mailbox, however the address is spelled', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterEach(async () => dispose());

  it('a Unicode domain and its xn-- form are the same account (createAdmin, joinCompany, authenticate)', async () => {
    const company = await createCompany(db, { name: 'Acme' });
    const admin = await createAdmin(db, { companyId: company.id, email: 'admin@exämple.test', password: PASSWORD });
    expect(
      await codeOf(createAdmin(db, { companyId: company.id, email: 'admin@xn--exmple-cua.test', password: PASSWORD })),
    ).toBe('DUPLICATE_EMAIL');
    expect(
      await codeOf(
        joinCompany(db, { inviteToken: company.inviteToken, email: 'ADMIN@xn--exmple-cua.test', password: PASSWORD }),
      ),
    ).toBe('DUPLICATE_EMAIL');
    for (const email of ['admin@exämple.test', 'admin@xn--exmple-cua.test', ' Admin@EXÄMPLE.TEST ']) {
      expect((await authenticate(db, { email, password: PASSWORD }))?.id, email).toBe(admin.id);
    }
    const [{ n }] = await sql<{ n: unknown }>(db, 'select count(*) as "n" from "users"');
    expect(Number(n)).toBe(1);
  });

  it('ﬀ and ff are the same account', async () => {
    const company = await createCompany(db, { name: 'Acme' });
    const user = await joinCompany(db, {
      inviteToken: company.inviteToken,
      email: '\uFB00@acme.test',
      password: PASSWORD,
    });
    expect(await codeOf(createAdmin(db, { companyId: company.id, email: 'ff@acme.test', password: PASSWORD }))).toBe(
      'DUPLICATE_EMAIL',
    );
    expect((await authenticate(db, { email: 'ff@acme.test', password: PASSWORD }))?.id).toBe(user.id);
    expect((await authenticate(db, { email: '\uFB00@acme.test', password: PASSWORD }))?.id).toBe(user.id);
  });

  it('rows stored before normalization (a Unicode domain, as typed) still sign in and still block a duplicate', async () => {
    const company = await createCompany(db, { name: 'Acme' });
    const model = await createAdmin(db, { companyId: company.id, email: 'model@acme.test', password: PASSWORD });
    // A row as the earlier versions (and the Python backend) stored it: lower-cased, domain as typed.
    await sql(db, `update "users" set "email" = 'old@exämple.test' where "id" = ?`, [model.id]);
    for (const email of ['old@exämple.test', 'old@xn--exmple-cua.test']) {
      expect((await authenticate(db, { email, password: PASSWORD }))?.id, email).toBe(model.id);
    }
    expect(
      await codeOf(createAdmin(db, { companyId: company.id, email: 'old@xn--exmple-cua.test', password: PASSWORD })),
    ).toBe('DUPLICATE_EMAIL');
  });
});
