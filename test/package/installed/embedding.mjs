// Issue 16 items 2, 3 and 7 on the installed package, as a host that embeds it writes them (run by
// the installed-package smoke's embedding check; node built-ins, the tarball and the host's
// @mikro-orm packages only). Each line it prints names one check; any failure exits non-zero.
//   transaction  db.transaction: a sign-up whose admin email is taken leaves no company behind, and
//                a scope's write commits with the services' (item 2);
//   onQuery      openDatabase({ onQuery }) reports the library's statements, never a password, a
//                password hash or an invite token, and a throwing hook does not break the call (item 7);
//   host sqlite  on the host's own MikroORM SQLite connection with foreign keys turned off, a
//                service call turns them on first (a company deleted later cascades to its users),
//                and inside the host's transaction refuses with INVALID_INPUT (field em) (item 3).
import assert from 'node:assert/strict';
import {
  createAdmin,
  createCompany,
  createMigrationRunner,
  DuplicateEmailError,
  entities,
  InvalidInputError,
  joinCompany,
  openDatabase,
} from '@overlay/db';

const PASSWORD = 'Embed pass 1234';
const targets = JSON.parse(process.env.SMOKE_TARGETS ?? '[]');
assert.ok(targets.length > 0, 'SMOKE_TARGETS names the databases to use');

async function count(db, table) {
  const [row] = await db.orm.em.getConnection().execute(`select count(*) as n from ${table}`);
  return Number(row.n);
}

for (const target of targets.filter((t) => t.entry === 'embedding')) {
  const events = [];
  const db = await openDatabase({ url: target.url, migrate: true, onQuery: (event) => events.push(event) });
  try {
    // Item 2: one transaction across services and scopes.
    const { company, admin } = await db.transaction(async (tx) => {
      const company = await createCompany(tx, { name: 'Embed Co' });
      const admin = await createAdmin(tx, { companyId: company.id, email: 'ann@embed.test', password: PASSWORD });
      await tx
        .forCompany(company.id)
        .workflows.create({ name: 'W', startingUrl: 'https://embed.test', createdBy: admin.id });
      return { company, admin };
    });
    const taken = db.transaction(async (tx) => {
      const second = await createCompany(tx, { name: 'Second Co' });
      await createAdmin(tx, { companyId: second.id, email: 'ANN@embed.test', password: PASSWORD });
    });
    await assert.rejects(taken, DuplicateEmailError);
    assert.equal(await count(db, 'companies'), 1, 'the taken email left no company behind');
    assert.equal((await db.forCompany(company.id).workflows.list()).items.length, 1);
    console.log(`ok   transaction [${target.dialect}] sign-up commits whole; a taken email rolls it back`);

    // Item 7: the query hook.
    await joinCompany(db, { inviteToken: company.inviteToken, email: 'max@embed.test', password: PASSWORD });
    const hashes = (await db.orm.em.getConnection().execute('select password_hash from users')).map(
      (r) => r.password_hash,
    );
    assert.equal(hashes.length, 2);
    assert.ok(events.some((e) => /insert into "users"/.test(e.sql) && e.dialect === target.dialect && e.rows === 1));
    assert.ok(events.every((e) => typeof e.durationMs === 'number' && !('params' in e)));
    const corpus = JSON.stringify(events);
    for (const secret of [PASSWORD, company.inviteToken, ...hashes])
      assert.ok(!corpus.includes(secret), 'a secret reached onQuery');
    console.log(
      `ok   onQuery [${target.dialect}] ${events.length} statements reported, no password, hash or invite token`,
    );
    assert.ok(admin.id > 0);
  } finally {
    await db.close();
  }
  let warned = null;
  process.once('warning', (w) => {
    warned = w;
  });
  const throwing = await openDatabase({
    url: target.url,
    onQuery: () => {
      throw new Error('the host hook broke');
    },
  });
  try {
    assert.ok((await createCompany(throwing, { name: 'Still works' })).id > 0);
  } finally {
    await throwing.close();
  }
  await new Promise((resolve) => setImmediate(resolve));
  assert.equal(warned?.code, 'OVERLAY_DB_ON_QUERY');
  console.log(`ok   onQuery [${target.dialect}] a throwing hook does not break the call (warned once)`);

  // Item 3: the host's own MikroORM SQLite connection.
  if (target.dialect !== 'sqlite') continue;
  const { MikroORM } = await import('@mikro-orm/sqlite');
  const hostFile = new URL(target.url.replace('sqlite:///', 'file:///')).pathname.replace(/\.db$/, '-host.db');
  const orm = await MikroORM.init({ dbName: hostFile, entities: [...entities], metadataCache: { enabled: false } });
  try {
    await createMigrationRunner(orm).up();
    const conn = orm.em.getConnection();
    await conn.execute('pragma foreign_keys = off');
    const company = await createCompany(orm.em.fork(), { name: 'Host Co' });
    await createAdmin(orm.em.fork(), { companyId: company.id, email: 'host@embed.test', password: PASSWORD });
    const [fk] = await conn.execute('pragma foreign_keys');
    assert.equal(Number(Object.values(fk)[0]), 1, 'the service turned foreign keys on');
    await conn.execute('delete from companies where id = ?', [company.id]);
    const [users] = await conn.execute('select count(*) as n from users');
    assert.equal(Number(users.n), 0, 'deleting the company cascaded to its admin');
    const other = await createCompany(orm.em.fork(), { name: 'Other Co' });
    await conn.execute('pragma foreign_keys = off');
    const refused = orm.em
      .fork()
      .transactional((em) => createAdmin(em, { companyId: other.id, email: 'in-tx@embed.test', password: PASSWORD }));
    await assert.rejects(refused, (e) => e instanceof InvalidInputError && e.field === 'em');
    const [after] = await conn.execute('select count(*) as n from users');
    assert.equal(Number(after.n), 0, 'the refused call wrote nothing');
    console.log(
      'ok   host sqlite foreign keys off: a service turns them on (cascade happens), refuses inside a transaction',
    );
  } finally {
    await orm.close(true);
  }
}
