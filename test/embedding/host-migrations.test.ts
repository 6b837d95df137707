import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { defineEntity, MikroORM, type Options, p } from '@mikro-orm/core';
import { Migration, Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver as GenericSqliteDriver, NodeSqliteDialect, type SqlEntityManager } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import {
  Company,
  createCompany,
  createMigrationRunner,
  entities,
  hostMigrationsConfig,
  MIGRATIONS_TABLE,
  migrationsFor,
  OVERLAY_DB_TABLES,
  openDatabase,
} from '../../src/index.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

/** A host's own entity, referencing our Company. */
const HostProject = defineEntity({
  name: 'HostProject',
  tableName: 'host_projects',
  properties: {
    id: p.integer().primary().autoincrement(),
    title: p.text(),
    company: () => p.manyToOne(Company).deleteRule('cascade'),
  },
});

// The host's generated migration, applied by MikroORM's migrator from its migrationsList: its
// statements are what `orm.migrator.create()` generated in the test.
const generated: string[] = [];
class HostInitialMigration extends Migration {
  override async up(): Promise<void> {
    for (const statement of generated) this.addSql(statement);
  }
}

function connectionOf(dialect: string, target: TestDatabase): Record<string, unknown> {
  if (dialect !== 'sqlite') return { driver: PostgreSqlDriver, clientUrl: target.url };
  return process.env.OVERLAY_SQLITE_DRIVER === 'node:sqlite'
    ? { driver: GenericSqliteDriver, dbName: target.name, driverOptions: new NodeSqliteDialect(target.name) }
    : { driver: SqliteDriver, dbName: target.name };
}

async function hostOrm(dialect: string, target: TestDatabase, dir: string, withHelper: boolean): Promise<MikroORM> {
  return (await MikroORM.init({
    ...connectionOf(dialect, target),
    ...(withHelper ? hostMigrationsConfig() : {}),
    entities: [...entities, HostProject],
    migrations: {
      path: dir,
      emit: 'js',
      snapshot: false,
      migrationsList: [{ name: 'HostInitialMigration', class: HostInitialMigration }],
    },
    extensions: [Migrator],
    metadataCache: { enabled: false },
  } as Parameters<typeof MikroORM.init>[0])) as MikroORM;
}

const ourNames = () => [...OVERLAY_DB_TABLES, MIGRATIONS_TABLE];
// Statements that create, alter, drop or index one of our tables, and any dropped index (a host
// table's reference to `companies` is not one).
const touchesOurs = (statements: string[]) =>
  statements.filter((s) =>
    ourNames().some((t) =>
      new RegExp(
        `^(create|alter|drop) table (if (not )?exists )?["\`]${t}["\`]|^create (unique )?index .* on ["\`]${t}["\`]|^drop index`,
        'i',
      ).test(s.trim()),
    ),
  );

it("hostMigrationsConfig() is a fragment of MikroORM's Options and keeps the host's own schemaGenerator options", () => {
  const options: Partial<Options> = {
    ...hostMigrationsConfig({ skipTables: [/^legacy_/], disableForeignKeys: false }),
  };
  expect(options.schemaGenerator).toEqual({
    disableForeignKeys: false,
    skipTables: [/^legacy_/, ...OVERLAY_DB_TABLES, MIGRATIONS_TABLE],
  });
});

it('OVERLAY_DB_TABLES names the tables of our entities', () => {
  expect([...OVERLAY_DB_TABLES].sort()).toEqual(entities.map((entity) => entity.meta.tableName).sort());
});

describeEachDialect("a host's own tables and migrations beside ours", (dialect) => {
  let target: TestDatabase;
  let dir: string;
  let orm: MikroORM;
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
    dir = mkdtempSync(join(tmpdir(), 'host-migrations-'));
    generated.length = 0;
  });
  afterEach(async () => {
    await orm?.close(true);
    await target.drop();
    rmSync(dir, { recursive: true, force: true });
  });

  it("without the config fragment, the host's generated migration would drop our bookkeeping table", async () => {
    // The failure the issue reports, kept as the reason for hostMigrationsConfig().
    orm = await hostOrm(dialect, target, dir, false);
    await createMigrationRunner(orm).up();
    const { diff } = await orm.migrator.create(dir);
    expect(diff.up.join('\n')).toMatch(/drop table if exists ["`]overlay_db_migrations["`]/);
  });

  it("with hostMigrationsConfig(), the host's generated migration touches none of our tables; ours run first and are recorded once", async () => {
    orm = await hostOrm(dialect, target, dir, true);
    const runner = createMigrationRunner(orm);
    const ours = migrationsFor(dialect).map((m) => m.name);
    expect(await runner.up()).toEqual(ours);

    const { diff } = await orm.migrator.create(dir);
    const up = diff.up.filter((s: string) => s.trim() !== '');
    expect(touchesOurs(up)).toEqual([]);
    expect(touchesOurs(diff.down.filter((s: string) => s.trim() !== ''))).toEqual([]);
    expect(up.join('\n')).toMatch(/create table ["`]host_projects["`]/);
    // MikroORM's schema generator diff (orm.schema) agrees.
    const schemaDiff = await orm.schema.getUpdateSchemaSQL({ wrap: false });
    expect(touchesOurs(schemaDiff.split(/;\n/))).toEqual([]);

    generated.push(...up.map((s: string) => s.replace(/;$/, '')));
    const applied = await orm.migrator.up();
    expect(applied.map((m: { name: string }) => m.name)).toEqual(['HostInitialMigration']);

    // Ours are recorded only in our bookkeeping table; the host's only in its own.
    expect(await runner.current()).toBe(ours.at(-1));
    expect(await runner.up()).toEqual([]);
    expect(await runner.pending()).toEqual([]);
    const executed = await orm.migrator.getExecuted();
    expect(executed.map((m: { name: string }) => m.name)).toEqual(['HostInitialMigration']);
    expect((await orm.migrator.create(dir)).diff.up.filter((s: string) => s.trim() !== '')).toEqual([]);

    // check() sees our tables in sync; the host table is not drift for us.
    expect(await runner.check()).toEqual({ inSync: true, statements: [] });

    // The host's foreign key points at our companies and is enforced.
    const company = await createCompany(orm.em.fork(), { name: 'Host Co' });
    const em = orm.em.fork() as SqlEntityManager;
    await em.getConnection().execute('insert into host_projects (title, company_id) values (?, ?)', ['P', company.id]);
    await expect(
      em.getConnection().execute('insert into host_projects (title, company_id) values (?, ?)', ['Q', company.id + 99]),
    ).rejects.toThrow(/foreign key/i);
  });

  it('check() reports drift in our tables only: a host table the ORM does not know is not drift', async () => {
    orm = await hostOrm(dialect, target, dir, true);
    const runner = createMigrationRunner(orm);
    await runner.up();
    const em = orm.em.fork() as SqlEntityManager;
    await em.getConnection().execute('create table host_audit (id integer primary key, note text)');
    // The host's entity has no table yet either: that is the host's business, not drift of ours.
    expect(await runner.check()).toEqual({ inSync: true, statements: [] });
    // Nor through the library's own Database (the CLI's `check`), which knows none of the host's.
    const db = await openDatabase({ url: target.url });
    try {
      expect(await db.migrator.check()).toEqual({ inSync: true, statements: [] });
    } finally {
      await db.close();
    }
    // A change to one of our tables still is drift.
    await em.getConnection().execute('create index companies_name_extra on companies (name)');
    const { inSync, statements } = await runner.check();
    expect(inSync).toBe(false);
    expect(statements.join('\n')).toMatch(/companies_name_extra/);
  });
});
