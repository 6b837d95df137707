import { afterEach, beforeEach, expect, it } from 'vitest';
import { query, transaction } from '../../src/executor/executor.js';
import { Company, createCompany, type Database, rotateInviteToken } from '../../src/index.js';
import { withFreshInviteToken } from '../../src/services/with-fresh-invite-token.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

describeEachDialect('services: companies', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
  });
  afterEach(async () => dispose());

  const companyCount = () => db.fork().count(Company, {});

  it('creates a company with a trimmed name, settings and a 43-character base64url invite token', async () => {
    const company = await createCompany(db, {
      name: '  Acme Corp ',
      settings: { brokenAfterFailures: 5, theme: 'dark' },
    });
    expect(company.id).toBeGreaterThan(0);
    expect(company.name).toBe('Acme Corp');
    expect(company.inviteToken).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(Buffer.from(company.inviteToken, 'base64url')).toHaveLength(32);
    const stored = await db.fork().findOneOrFail(Company, company.id);
    expect(stored).toMatchObject({ name: 'Acme Corp', inviteToken: company.inviteToken });
    expect(stored.settings).toEqual({ brokenAfterFailures: 5, theme: 'dark' });
    expect(stored.createdAt).toBeInstanceOf(Date);
  });

  it('defaults settings to {} and gives every company its own token', async () => {
    const companies = await Promise.all(Array.from({ length: 5 }, (_, i) => createCompany(db, { name: `C${i}` })));
    expect(new Set(companies.map((c) => c.inviteToken)).size).toBe(5);
    expect((await db.fork().findOneOrFail(Company, companies[0].id)).settings).toEqual({});
  });

  it('refuses bad input with INVALID_INPUT and the field, writing nothing', async () => {
    const cases: [unknown, string][] = [
      [{ name: '   ' }, 'name'],
      [{ name: 42 }, 'name'],
      [{ name: 'x'.repeat(501) }, 'name'],
      [{ name: 'Acme', settings: [] }, 'settings'],
      [{ name: 'Acme', settings: { at: new Date() } }, 'settings'],
      [{ name: 'Acme', settings: { brokenAfterFailures: 0 } }, 'settings.brokenAfterFailures'],
      [{ name: 'Acme', inviteToken: 'mine' }, 'input.inviteToken'],
      [null, 'input'],
    ];
    for (const [input, field] of cases) {
      expect(await rejection(createCompany(db, input as never))).toMatchObject({ code: 'INVALID_INPUT', field });
    }
    expect(await companyCount()).toBe(0);
  });

  it('retries with a new token when the database reports the token as taken', async () => {
    const first = await createCompany(db, { name: 'First' });
    const tokens = [first.inviteToken, first.inviteToken, 'b'.repeat(43)];
    const em = db.fork();
    const second = await withFreshInviteToken(
      (inviteToken) =>
        em.transactional(async (tx) => {
          const company = tx.create(Company, { name: 'Second', inviteToken, settings: {} });
          await tx.flush();
          return company;
        }),
      () => tokens.shift()!,
    );
    expect(second.inviteToken).toBe('b'.repeat(43));
    expect(tokens).toEqual([]);
    expect(await companyCount()).toBe(2);
  });

  it('gives up with DATABASE_ERROR after three taken tokens', async () => {
    const first = await createCompany(db, { name: 'First' });
    const em = db.fork();
    const error = await rejection(
      withFreshInviteToken(
        (inviteToken) =>
          em.transactional(async (tx) => {
            tx.create(Company, { name: 'Second', inviteToken, settings: {} });
            await tx.flush();
          }),
        () => first.inviteToken,
      ),
    );
    expect(error).toMatchObject({ code: 'DATABASE_ERROR' });
    expect(await companyCount()).toBe(1);
  });

  it('a taken token inside a host transaction is retried there, and the host transaction goes on', async () => {
    const first = await createCompany(db, { name: 'First' });
    const tokens = [first.inviteToken, 'c'.repeat(43)];
    const em = db.orm.em.fork();
    await em.begin();
    try {
      // A refused insert aborts a whole PostgreSQL transaction: each attempt is a savepoint of the host's.
      const [row] = await withFreshInviteToken(
        (inviteToken) =>
          transaction(
            em,
            () =>
              query<{ id: number }>(
                em,
                'insert into "companies" ("name", "invite_token", "settings") values (?, ?, ?) returning "id"',
                ['Second', inviteToken, '{}'],
              ),
            { savepoint: true },
          ),
        () => tokens.shift()!,
      );
      expect(tokens).toEqual([]);
      const rotated = await rotateInviteToken(em, row.id);
      expect(await em.count(Company, { id: row.id, inviteToken: rotated })).toBe(1);
      await em.commit();
    } catch (error) {
      await em.rollback();
      throw error;
    }
    expect(await companyCount()).toBe(2);
  });

  it('rotates the invite token: a new token, stored, the old one gone', async () => {
    const company = await createCompany(db, { name: 'Acme' });
    const token = await rotateInviteToken(db, company.id);
    expect(token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(token).not.toBe(company.inviteToken);
    expect((await db.fork().findOneOrFail(Company, company.id)).inviteToken).toBe(token);
    expect(await db.fork().count(Company, { inviteToken: company.inviteToken })).toBe(0);
  });

  it('rotating names a company: NOT_FOUND for a missing one, INVALID_INPUT for a bad id', async () => {
    expect(await rejection(rotateInviteToken(db, 999))).toMatchObject({ code: 'NOT_FOUND', entity: 'Company' });
    expect(await rejection(rotateInviteToken(db, 0))).toMatchObject({ code: 'INVALID_INPUT', field: 'companyId' });
    expect(await rejection(rotateInviteToken(db, '1' as never))).toMatchObject({ code: 'INVALID_INPUT' });
  });

  it('accepts a host EntityManager and joins its transaction', async () => {
    const em = db.orm.em.fork();
    await em.begin();
    const company = await createCompany(em, { name: 'Inside' });
    expect(await em.count(Company, { id: company.id })).toBe(1);
    await em.rollback();
    expect(await companyCount()).toBe(0);
    const kept = await createCompany(db.orm.em, { name: 'Global EM' });
    expect(await db.fork().count(Company, { id: kept.id })).toBe(1);
  });

  it('refuses something that is neither a Database nor an EntityManager', async () => {
    expect(await rejection(createCompany({} as never, { name: 'X' }))).toMatchObject({
      code: 'INVALID_INPUT',
      field: 'db',
    });
  });
});
