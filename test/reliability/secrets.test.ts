import { inspect } from 'node:util';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  authenticate,
  authenticateOrFail,
  createAdmin,
  createCompany,
  type Database,
  joinCompany,
  openDatabase,
} from '../../src/index.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';
import { sql } from '../tenant/fixtures.js';

// One whole scenario with SQL logging on: sign up, join, sign in, every kind of failure, migrations
// (on PostgreSQL through a URL that carries a password). Everything a host could see (log lines,
// error messages, util.inspect and JSON.stringify of errors and of returned entities) is
// collected, then searched for every password, every stored hash and the database password.
const DB_PASSWORD = 'Db-Pa55word-7c1e';
const PASSWORDS = ['Admin pass 1234', 'Member pass 5678', 'Wrong guess 9999', 'Duplicate pw 4321', 'Token pw 8765'];

describeEachDialect('no secret reaches a log, an error or a serialized entity', (dialect) => {
  let target: TestDatabase;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
  });
  afterEach(async () => target.drop());

  it('across sign-up, sign-in, failures and migrations', async () => {
    const seen: string[] = [];
    const show = (value: unknown) => {
      seen.push(inspect(value, { depth: 8, showHidden: true }));
      try {
        seen.push(JSON.stringify(value) ?? '');
      } catch {
        // circular: inspect above has it
      }
      if (value instanceof Error) seen.push(value.message, String(value.stack));
    };
    const fail = async (work: () => Promise<unknown>) => {
      const error = await work().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(error).toBeInstanceOf(Error);
      show(error);
    };
    // PostgreSQL here trusts local connections, so the password in the URL is accepted and ignored.
    const url =
      dialect === 'postgresql'
        ? target.url.replace('postgresql://postgres@', `postgresql://postgres:${DB_PASSWORD}@`)
        : target.url;
    if (dialect === 'postgresql') expect(url).toContain(DB_PASSWORD);

    let db: Database | undefined;
    let hashes: string[] = [];
    try {
      db = await openDatabase({ url, debug: true, migrate: true, logger: (line) => seen.push(line) });
      const company = await createCompany(db, { name: 'Acme' });
      const admin = await createAdmin(db, { companyId: company.id, email: 'ann@acme.test', password: PASSWORDS[0] });
      const member = await joinCompany(db, {
        inviteToken: company.inviteToken,
        email: 'max@acme.test',
        password: PASSWORDS[1],
      });
      show(company);
      show(admin);
      show(member);
      show(await authenticate(db, { email: 'ann@acme.test', password: PASSWORDS[0] }));
      show(await authenticate(db, { email: 'ann@acme.test', password: PASSWORDS[2] }));
      show(await authenticate(db, { email: 'nobody@acme.test', password: PASSWORDS[2] }));
      await fail(() => authenticateOrFail(db as Database, { email: 'ann@acme.test', password: PASSWORDS[2] }));
      await fail(() =>
        createAdmin(db as Database, { companyId: company.id, email: 'ANN@acme.test', password: PASSWORDS[3] }),
      );
      await fail(() =>
        joinCompany(db as Database, { inviteToken: 'nope', email: 'x@acme.test', password: PASSWORDS[4] }),
      );
      await fail(() =>
        createAdmin(db as Database, { companyId: company.id, email: 'short@acme.test', password: 'a1' }),
      );
      await fail(() =>
        createAdmin(db as Database, {
          companyId: company.id,
          email: 'bad@acme.test',
          password: `${PASSWORDS[4]}\u0000`,
        }),
      );
      const scope = db.forCompany(company.id);
      show(await scope.users.get(admin.id));
      show(await scope.users.list());
      // A failing statement that mentions users, run through the library's own error conversion.
      await fail(() => db!.migrator.down({ to: 'nope' }));
      show(await db.migrator.history());
      // The hashes as stored, read on a connection without logging, before the schema is re-created.
      const reader = await openDatabase({ url: target.url });
      try {
        hashes = (await sql<{ password_hash: string }>(reader, 'select password_hash from users')).map(
          (r) => r.password_hash,
        );
      } finally {
        await reader.close();
      }
      await db.migrator.down({ to: 'base' });
      await db.migrator.up();
    } finally {
      await db?.close();
    }
    if (dialect === 'postgresql') {
      // Opening fails (nothing listens on port 1): the error must not carry the password either.
      const unreachable = url.replace(/127\.0\.0\.1:\d+/, '127.0.0.1:1');
      await fail(() => openDatabase({ url: unreachable, logger: (line) => seen.push(line), debug: true }));
    }

    const corpus = seen.join('\n');
    expect(corpus).toMatch(/insert into [`"]users[`"]/); // the logger did see the SQL
    expect(corpus).toMatch(/overlay_db_migrations/);
    expect(corpus).toMatch(/insert into [`"]users[`"][^\n]*password_hash/); // …including the statements that carry a hash
    for (const secret of [...PASSWORDS, DB_PASSWORD]) expect(corpus).not.toContain(secret);
    expect(corpus).not.toMatch(/\$2[aby]\$\d\d\$[./A-Za-z0-9]{53}/); // no bcrypt hash at all
    expect(hashes).toHaveLength(2);
    for (const hash of hashes) expect(corpus).not.toContain(hash);
  }, 120_000);
});
