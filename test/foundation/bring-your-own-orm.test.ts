import { MikroORM } from '@mikro-orm/core';
import { Migrator } from '@mikro-orm/migrations';
import { PostgreSqlDriver } from '@mikro-orm/postgresql';
import { SqliteDriver as GenericSqliteDriver, NodeSqliteDialect } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { FAILED_RUNS_INDEX_MIGRATION, HEALTH_SUMMARY_INDEX_MIGRATION } from '../../migrations/index.js';
import {
  createAdmin,
  createCompany,
  createMigrationRunner,
  createTenantScope,
  entities,
  INITIAL_MIGRATION,
  migrationsFor,
} from '../../src/index.js';
import { createTestDatabase, describeEachDialect, type TestDatabase } from '../support/dialects.js';

/** A host that already runs MikroORM registers our entities and migrations in its own config (API.md). */
describeEachDialect('bring your own MikroORM', (dialect) => {
  let target: TestDatabase;
  let orm: MikroORM;
  // (MikroORM 7: the host's migrator is `orm.migrator`, registered by the Migrator extension.)
  beforeEach(async () => {
    target = await createTestDatabase(dialect);
    // A host on node:sqlite brings MikroORM's generic SQLite driver with its node:sqlite dialect.
    const sqlite =
      process.env.OVERLAY_SQLITE_DRIVER === 'node:sqlite'
        ? { driver: GenericSqliteDriver, dbName: target.name, driverOptions: new NodeSqliteDialect(target.name) }
        : { driver: SqliteDriver, dbName: target.name };
    const connection = dialect === 'sqlite' ? sqlite : { driver: PostgreSqlDriver, clientUrl: target.url };
    orm = (await MikroORM.init({
      ...connection,
      entities: [...entities],
      migrations: { migrationsList: migrationsFor(dialect), tableName: 'host_migrations', snapshot: false },
      extensions: [Migrator],
      metadataCache: { enabled: false },
    } as Parameters<typeof MikroORM.init>[0])) as MikroORM;
  });
  afterEach(async () => {
    await orm.close(true);
    await target.drop();
  });

  it("our runner migrates the host's ORM, and the scope and services work on the host's EntityManager", async () => {
    expect(await createMigrationRunner(orm).up()).toEqual([
      INITIAL_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
      FAILED_RUNS_INDEX_MIGRATION,
    ]);
    expect((await createMigrationRunner(orm).check()).inSync).toBe(true);
    const company = await createCompany(orm.em.fork(), { name: 'Host Co' });
    const admin = await createAdmin(orm.em.fork(), {
      companyId: company.id,
      email: 'host@host.test',
      password: 'host-password-1',
    });
    const tenant = createTenantScope(orm.em.fork(), company.id);
    const workflow = await tenant.workflows.create({
      name: 'W',
      startingUrl: 'https://host.test',
      createdBy: admin.id,
    });
    expect((await tenant.workflows.get(workflow.id))?.createdBy?.id).toBe(admin.id);
    expect((await tenant.users.list()).map((u) => u.email)).toEqual(['host@host.test']);
  });

  it("MikroORM's own migrator accepts migrationsFor() as its migrationsList", async () => {
    const applied = await orm.migrator.up();
    expect(applied.map((m: { name: string }) => m.name)).toEqual([
      INITIAL_MIGRATION,
      HEALTH_SUMMARY_INDEX_MIGRATION,
      FAILED_RUNS_INDEX_MIGRATION,
    ]);
    // MikroORM's migrator applied the covering index too: the schema matches the entities.
    expect((await createMigrationRunner(orm).check()).inSync).toBe(true);
    const company = await createCompany(orm.em.fork(), { name: 'Via MikroORM migrator' });
    expect(company.id).toBeGreaterThan(0);
  });
});
