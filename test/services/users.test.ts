import { inspect } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  authenticate,
  authenticateOrFail,
  type Company,
  createAdmin,
  createCompany,
  type Database,
  joinCompany,
  rotateInviteToken,
  User,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

/**
 * Made by the original backend's own code path, passlib 1.7.4 with the bcrypt 3.2.2 backend:
 * `CryptContext(schemes=['bcrypt'], deprecated='auto').hash('legacy pa55word from python')`.
 */
const PASSLIB_HASH = '$2b$12$bsPaFT4R5CKGT6XJvEWvZOVBIkBuPim/tCP9bvJ97U5cPZoLFDqaC';
const PASSLIB_PASSWORD = 'legacy pa55word from python';
/** Every password below contains this, so that a leak into a message or a log is found by one search. */
const MARK = 'Sekr1t';
const PASSWORD = `${MARK}-correct-horse`;
const ANY_HASH = /\$2[aby]\$\d\d\$/;

async function rejection(promise: Promise<unknown>): Promise<any> {
  try {
    await promise;
  } catch (error) {
    return error;
  }
  throw new Error('expected a rejection');
}

/** Everything of an error a caller or a log could print. */
function exposed(error: any): string {
  return [error.message, String(error), inspect(error, { depth: 5 }), JSON.stringify(error), String(error.cause)].join(
    '\n',
  );
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)];
}

/**
 * The CPU time (user + system, in ms) this process spends on `run`: bcrypt's work, which the
 * machine's load does not change the way it changes wall-clock time (another process on the same
 * cores only delays it).
 */
async function cpuMs(run: () => Promise<unknown>): Promise<number> {
  const start = process.cpuUsage();
  await run();
  const used = process.cpuUsage(start);
  return (used.user + used.system) / 1000;
}

describeEachDialect('services: admins, sign-up and sign-in', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let company: Company;
  const log: string[] = [];
  beforeEach(async () => {
    log.length = 0;
    ({ db, dispose } = await openTestDatabase(dialect, { debug: true, logger: (line) => log.push(line) }));
    company = await createCompany(db, { name: 'Acme' });
  });
  afterEach(async () => dispose());

  const userCount = () => db.fork().count(User, {});
  const passwordHashOf = async (id: number) =>
    (await db.fork().findOneOrFail(User, id, { populate: ['passwordHash'] })).passwordHash.unwrap();

  it('creates an admin: email trimmed and lower-cased, a cost-12 $2b$ hash stored, none returned', async () => {
    const admin = await createAdmin(db, {
      companyId: company.id,
      email: '  Ada@Acme.TEST ',
      password: PASSWORD,
      name: ' Ada ',
    });
    expect(admin).toMatchObject({ email: 'ada@acme.test', name: 'Ada', role: 'admin', lastLoginAt: null });
    expect(admin.company.id).toBe(company.id);
    expect(admin.createdAt).toBeInstanceOf(Date);
    expect(JSON.stringify(admin)).not.toMatch(/passwordHash|\$2b\$/);
    expect(inspect(admin, { depth: 5 })).not.toMatch(ANY_HASH);
    // The lazy reference is not loaded: the object the caller gets holds no hash at all.
    expect(admin.passwordHash.isInitialized()).toBe(false);
    expect(admin.passwordHash.unwrap()).toBeUndefined();
    expect(await passwordHashOf(admin.id)).toMatch(/^\$2b\$12\$[./A-Za-z0-9]{53}$/);
    // The password never reaches the database or the log; the hash is redacted from the log.
    expect(log.join('\n')).not.toContain(MARK);
    expect(log.join('\n')).not.toMatch(ANY_HASH);
    expect(log.join('\n')).toMatch(/insert into .users./);
  });

  it('joins a user by invite token with role regular, and signs both in', async () => {
    await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password: PASSWORD });
    const bob = await joinCompany(db, {
      inviteToken: company.inviteToken,
      email: 'Bob@Acme.test',
      password: 'bobs pa55word',
    });
    expect(bob).toMatchObject({ email: 'bob@acme.test', role: 'regular', name: null });
    expect(bob.company.id).toBe(company.id);

    const before = Date.now();
    const signedIn = await authenticate(db, { email: ' BOB@acme.TEST', password: 'bobs pa55word' });
    expect(signedIn?.id).toBe(bob.id);
    expect(signedIn!.lastLoginAt!.getTime()).toBeGreaterThanOrEqual(before - 1000);
    expect(JSON.stringify(signedIn)).not.toMatch(/passwordHash|\$2b\$/);
    expect(inspect(signedIn, { depth: 5 })).not.toMatch(ANY_HASH);
    const stored = await db.fork().findOneOrFail(User, bob.id);
    expect(stored.lastLoginAt?.getTime()).toBe(signedIn!.lastLoginAt!.getTime());
    if (dialect === 'sqlite') {
      // One timestamp representation per column: ISO-8601 UTC text, as for every other timestamp.
      const [row] = await db.connection.execute<{ v: unknown }[]>('select last_login_at as v from users where id = ?', [
        bob.id,
      ]);
      expect(row.v).toBe(signedIn!.lastLoginAt!.toISOString());
    }
  });

  it('returns null for a wrong password or an unknown email, and leaves lastLoginAt alone', async () => {
    const admin = await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password: PASSWORD });
    expect(await authenticate(db, { email: 'ada@acme.test', password: `${PASSWORD}x` })).toBeNull();
    expect(await authenticate(db, { email: 'nobody@acme.test', password: PASSWORD })).toBeNull();
    expect(await authenticate(db, { email: '', password: '' })).toBeNull();
    expect((await db.fork().findOneOrFail(User, admin.id)).lastLoginAt).toBeNull();
    const error = await rejection(authenticateOrFail(db, { email: 'ada@acme.test', password: 'wrong pa55' }));
    expect(error).toMatchObject({ code: 'INVALID_CREDENTIALS' });
    expect((await authenticateOrFail(db, { email: 'ada@acme.test', password: PASSWORD })).id).toBe(admin.id);
  });

  it('never accepts a password longer than 72 bytes, even when its first 72 bytes match', async () => {
    const password = `${MARK}${'x'.repeat(65)}1`; // exactly 72 bytes
    const admin = await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password });
    expect(await authenticate(db, { email: 'ada@acme.test', password: `${password}anything` })).toBeNull();
    expect((await authenticate(db, { email: 'ada@acme.test', password }))?.id).toBe(admin.id);
  });

  it('verifies a $2b$12$ hash written by passlib in the original Python backend', async () => {
    const em = db.fork();
    const id = await em.insert(User, {
      company: company.id,
      email: 'legacy@acme.test',
      passwordHash: PASSLIB_HASH,
      role: 'regular',
    });
    expect((await authenticate(db, { email: 'legacy@acme.test', password: PASSLIB_PASSWORD }))?.id).toBe(id);
    expect(await authenticate(db, { email: 'legacy@acme.test', password: 'legacy pa55word from pythoN' })).toBeNull();
  });

  it('finds a legacy row whose email was stored in mixed case', async () => {
    // Rows adopted from the original backend were not normalized; lookups go through lower(email).
    const id = await db.fork().insert(User, {
      company: company.id,
      email: 'Legacy.Mixed@Acme.test',
      passwordHash: PASSLIB_HASH,
      role: 'admin',
    });
    expect((await authenticate(db, { email: 'legacy.mixed@acme.TEST', password: PASSLIB_PASSWORD }))?.id).toBe(id);
    const error = await rejection(
      joinCompany(db, { inviteToken: company.inviteToken, email: 'LEGACY.mixed@acme.test', password: PASSWORD }),
    );
    expect(error).toMatchObject({ code: 'DUPLICATE_EMAIL' });
  });

  it('costs as much CPU for an unknown email as for a wrong password (one bcrypt comparison each)', async () => {
    await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password: PASSWORD });
    const unknown: number[] = [];
    const wrong: number[] = [];
    for (let i = 0; i < 3; i++) {
      unknown.push(await cpuMs(() => authenticate(db, { email: `ghost${i}@acme.test`, password: PASSWORD })));
      wrong.push(await cpuMs(() => authenticate(db, { email: 'ada@acme.test', password: `${PASSWORD}${i}` })));
    }
    const ratio = median(unknown) / median(wrong);
    expect(ratio, `unknown ${unknown.map(Math.round)} ms, wrong ${wrong.map(Math.round)} ms`).toBeGreaterThan(0.5);
    expect(ratio).toBeLessThan(2);
    // Both really ran a cost-12 comparison (a bare lookup takes a few milliseconds of CPU).
    expect(median(unknown)).toBeGreaterThan(50);
  });

  it('refuses a duplicate email, whatever its case, before hashing', async () => {
    await createAdmin(db, { companyId: company.id, email: 'ada@acme.test', password: PASSWORD });
    const other = await createCompany(db, { name: 'Other' });
    log.length = 0;
    const error = await rejection(
      createAdmin(db, { companyId: other.id, email: 'ADA@acme.test ', password: PASSWORD }),
    );
    expect(error).toMatchObject({ code: 'DUPLICATE_EMAIL' });
    expect(log.join('\n')).not.toMatch(/insert into .users./);
    expect(await userCount()).toBe(1);
  });

  it('turns a concurrent duplicate insert into DUPLICATE_EMAIL (the unique index decides)', async () => {
    log.length = 0;
    const results = await Promise.allSettled([
      createAdmin(db, { companyId: company.id, email: 'race@acme.test', password: PASSWORD }),
      joinCompany(db, { inviteToken: company.inviteToken, email: 'RACE@acme.test', password: `${PASSWORD}2` }),
    ]);
    // Both passed the early look-up (it runs before either 250 ms hash ends) and reached the insert.
    expect(log.filter((line) => /insert into .users./.test(line))).toHaveLength(2);
    const fulfilled = results.filter((r) => r.status === 'fulfilled');
    const rejected = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(fulfilled).toHaveLength(1);
    expect(rejected).toHaveLength(1);
    expect(rejected[0].reason).toMatchObject({ code: 'DUPLICATE_EMAIL', name: 'DuplicateEmailError' });
    expect(exposed(rejected[0].reason)).not.toContain(MARK);
    expect(exposed(rejected[0].reason)).not.toMatch(ANY_HASH);
    expect(await userCount()).toBe(1);
  });

  it('createAdmin: NOT_FOUND for a missing company, INVALID_INPUT with the field, nothing written', async () => {
    expect(
      await rejection(createAdmin(db, { companyId: 999, email: 'a@acme.test', password: PASSWORD })),
    ).toMatchObject({
      code: 'NOT_FOUND',
      entity: 'Company',
    });
    const cases: [Record<string, unknown>, string][] = [
      [{ companyId: 0 }, 'companyId'],
      [{ email: 'not-an-email' }, 'email'],
      [{ email: undefined }, 'email'],
      [{ password: `${MARK}` }, 'password'],
      [{ password: 'no digits at all' }, 'password'],
      [{ password: `${MARK}12345678`.replace(/[A-Za-z]/g, '-') }, 'password'],
      [{ password: `${MARK}${'é'.repeat(40)}` }, 'password'],
      [{ name: 'x'.repeat(501) }, 'name'],
      [{ role: 'admin' }, 'input.role'],
    ];
    for (const [patch, field] of cases) {
      const input = { companyId: company.id, email: 'a@acme.test', password: PASSWORD, ...patch };
      const error = await rejection(createAdmin(db, input as never));
      expect(error).toMatchObject({ code: 'INVALID_INPUT', field });
      expect(exposed(error)).not.toContain(MARK);
    }
    expect(await userCount()).toBe(0);
  });

  it('joinCompany: INVALID_INVITE_TOKEN for an unknown or rotated token, INVALID_INPUT for bad input', async () => {
    const base = { email: 'bob@acme.test', password: PASSWORD };
    expect(await rejection(joinCompany(db, { ...base, inviteToken: 'no-such-token' }))).toMatchObject({
      code: 'INVALID_INVITE_TOKEN',
    });
    await rotateInviteToken(db, company.id);
    expect(await rejection(joinCompany(db, { ...base, inviteToken: company.inviteToken }))).toMatchObject({
      code: 'INVALID_INVITE_TOKEN',
    });
    expect(await rejection(joinCompany(db, { ...base, inviteToken: '' }))).toMatchObject({ field: 'inviteToken' });
    expect(await rejection(joinCompany(db, { ...base, inviteToken: 'x', password: 'short' }))).toMatchObject({
      field: 'password',
    });
    expect(await userCount()).toBe(0);
  });

  it('authenticate: INVALID_INPUT only for values that are not strings', async () => {
    expect(await rejection(authenticate(db, { email: 42, password: PASSWORD } as never))).toMatchObject({
      field: 'email',
    });
    expect(await rejection(authenticate(db, { email: 'a@acme.test', password: null } as never))).toMatchObject({
      field: 'password',
    });
    expect(
      await rejection(authenticate(db, { email: 'a@acme.test', password: PASSWORD, remember: true } as never)),
    ).toMatchObject({
      field: 'input.remember',
    });
  });

  it('works through a host EntityManager, inside the host transaction', async () => {
    const em = db.orm.em.fork();
    await em.begin();
    const admin = await createAdmin(em, { companyId: company.id, email: 'tx@acme.test', password: PASSWORD });
    expect(await em.count(User, { id: admin.id })).toBe(1);
    await em.rollback();
    expect(await userCount()).toBe(0);
  });
});
