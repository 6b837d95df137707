// Issue 16 item 1, as a host writes it with the installed packages: a host that runs MikroORM
// with its own entity (referencing our Company) generates its migration with MikroORM's migrator
// (`orm.migrator.create()`, a real file in ./host-migrations-<dialect>/) on the fresh database of
// each SMOKE_TARGETS entry for entry 'host', runs ours with our runner, then its own with
// `orm.migrator.up()`. Prints one JSON line per target for the smoke to check with the bin.
// Runs inside a scratch host project: the installed packages and node built-ins only.
import assert from 'node:assert/strict';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { defineEntity, MikroORM, p } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import {
  Company,
  createCompany,
  createMigrationRunner,
  entities,
  hostMigrationsConfig,
  MIGRATIONS_TABLE,
  migrationsFor,
  OVERLAY_DB_TABLES,
} from '@overlay/db';
import checks from './checks.cjs';

const HostProject = defineEntity({
  name: 'HostProject',
  tableName: 'host_projects',
  properties: {
    id: p.integer().primary().autoincrement(),
    title: p.text(),
    company: () => p.manyToOne(Company).deleteRule('cascade'),
  },
});

async function connectionOf(target) {
  if (target.dialect === 'postgresql') {
    const { PostgreSqlDriver } = await import('@mikro-orm/postgresql');
    return { driver: PostgreSqlDriver, clientUrl: target.url };
  }
  const { SqliteDriver } = await import('@mikro-orm/sqlite');
  return { driver: SqliteDriver, dbName: target.url.slice('sqlite:///'.length) };
}

// A statement that creates, alters, drops or indexes one of our tables (a host table's reference
// to `companies` is none of these).
const ours = [...OVERLAY_DB_TABLES, MIGRATIONS_TABLE];
function touchesOurs(statement) {
  return ours.some((t) =>
    new RegExp(
      `(create|alter|drop) table (if (not )?exists )?["\`]?${t}["\`]?[ ;(]|create (unique )?index .* on ["\`]?${t}["\`]?[ (]|drop index`,
      'i',
    ).test(statement),
  );
}

for (const target of checks.targets('host')) {
  const dir = join(process.cwd(), `host-migrations-${target.dialect}`);
  rmSync(dir, { recursive: true, force: true });
  const orm = await MikroORM.init({
    ...(await connectionOf(target)),
    ...hostMigrationsConfig(),
    entities: [...entities, HostProject],
    extensions: [Migrator],
    migrations: { path: dir, emit: 'js', snapshot: false },
    metadataCache: { enabled: false },
  });
  try {
    // The host generates its migration on the fresh database, before ours ran.
    const created = await orm.migrator.create();
    const file = readFileSync(join(dir, created.fileName), 'utf8');
    assert.match(file, /host_projects/, 'the generated migration creates the host table');
    assert.doesNotMatch(file, new RegExp(MIGRATIONS_TABLE), 'the generated migration names our bookkeeping table');
    const touching = [...created.diff.up, ...created.diff.down].filter(touchesOurs);
    assert.deepEqual(touching, [], 'the generated migration touches our tables');

    // Ours first (the host's foreign key points at companies), recorded once; then the host's.
    const runner = createMigrationRunner(orm);
    const names = migrationsFor(target.dialect).map((m) => m.name);
    assert.deepEqual(await runner.up(), names);
    const hostApplied = (await orm.migrator.up()).map((m) => m.name);
    assert.deepEqual(hostApplied, [created.fileName.replace(/\.js$/, '')]);
    assert.deepEqual(await runner.up(), [], 'ours are recorded once');
    assert.equal(await runner.current(), names.at(-1));
    assert.deepEqual(
      (await orm.migrator.getExecuted()).map((m) => m.name),
      hostApplied,
      "MikroORM's table records the host's migration only",
    );
    assert.deepEqual(await runner.check(), { inSync: true, statements: [] }, 'check() after both');
    const again = await orm.migrator.create(undefined, false, false);
    assert.deepEqual(
      again.diff.up.filter((s) => s.trim() !== ''),
      [],
      "the host's next migration is empty",
    );
    if (again.fileName) rmSync(join(dir, again.fileName), { force: true });

    // The host's foreign key to our companies holds.
    const company = await createCompany(orm.em.fork(), { name: 'Host Co' });
    const conn = orm.em.fork().getConnection();
    await conn.execute('insert into host_projects (title, company_id) values (?, ?)', ['P', company.id]);
    await assert.rejects(
      conn.execute('insert into host_projects (title, company_id) values (?, ?)', ['Q', company.id + 1000]),
      /foreign key/i,
    );
    console.log(
      JSON.stringify({
        dialect: target.dialect,
        generated: created.fileName,
        up: created.diff.up.length,
        ours: names,
        host: hostApplied,
      }),
    );
  } finally {
    await orm.close(true);
  }
}
