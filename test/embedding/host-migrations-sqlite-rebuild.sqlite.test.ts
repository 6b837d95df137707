import { defineEntity, MikroORM, p } from '@mikro-orm/core';
import { Migration } from '@mikro-orm/migrations';
import { SqliteDriver as GenericSqliteDriver, NodeSqliteDialect, type SqlEntityManager } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  Company,
  createCompany,
  createMigrationRunner,
  entities,
  hostMigrationsConfig,
  type MigrationEntry,
  migrationsFor,
} from '../../src/index.js';
import { createTestDatabase, requestedDialects, type TestDatabase } from '../support/dialects.js';

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

/** A future migration of ours, as addSql statements built from the live `companies` table. */
function futureMigration(name: string, statements: string[]): MigrationEntry {
  class FutureMigration extends Migration {
    override async up(): Promise<void> {
      for (const statement of statements) this.addSql(statement);
    }
  }
  return { name, class: FutureMigration };
}

describe.runIf(requestedDialects().includes('sqlite'))(
  "a host table's foreign key to ours survives a SQLite rebuild of companies",
  () => {
    const dialect = 'sqlite';
    let target: TestDatabase;
    let orm: MikroORM;
    let em: SqlEntityManager;
    const sql = <T = Record<string, unknown>>(text: string, params: unknown[] = []) =>
      em.getConnection().execute(text, params) as Promise<T[]>;

    beforeEach(async () => {
      target = await createTestDatabase(dialect);
      orm = (await MikroORM.init({
        ...(process.env.OVERLAY_SQLITE_DRIVER === 'node:sqlite'
          ? { driver: GenericSqliteDriver, dbName: target.name, driverOptions: new NodeSqliteDialect(target.name) }
          : { driver: SqliteDriver, dbName: target.name }),
        ...hostMigrationsConfig(),
        entities: [...entities, HostProject],
        metadataCache: { enabled: false },
      } as Parameters<typeof MikroORM.init>[0])) as MikroORM;
      em = orm.em.fork() as SqlEntityManager;
      await createMigrationRunner(orm).up();
      await orm.schema.update(); // the host's table, its foreign key to companies
    });
    afterEach(async () => {
      await orm.close(true);
      await target.drop();
    });

    async function rebuildAndCheck(build: (createSql: string, indexSql: string[]) => string[]): Promise<void> {
      const acme = await createCompany(em, { name: 'Acme' });
      await sql('insert into host_projects (title, company_id) values (?, ?)', ['P', acme.id]);
      const [{ sql: createSql }] = await sql<{ sql: string }>(
        "select sql from sqlite_master where type = 'table' and name = 'companies'",
      );
      const indexes = await sql<{ sql: string }>(
        "select sql from sqlite_master where type = 'index' and tbl_name = 'companies' and sql is not null",
      );
      const entry = futureMigration(
        '0099-rebuild-companies',
        build(
          createSql,
          indexes.map((i) => i.sql),
        ),
      );
      const runner = createMigrationRunner(orm, { migrations: [...migrationsFor('sqlite'), entry] });
      expect(await runner.up()).toEqual(['0099-rebuild-companies']);
      // The connection is back on SQLite's defaults: renames rewrite references, foreign keys on.
      expect(await sql('pragma legacy_alter_table')).toEqual([{ legacy_alter_table: 0 }]);
      expect(await sql('pragma foreign_keys')).toEqual([{ foreign_keys: 1 }]);

      // The host's reference still names companies, the row kept, and it is enforced and cascades.
      const keys = await sql<{ table: string; from: string }>(
        'select "table", "from" from pragma_foreign_key_list(\'host_projects\')',
      );
      expect(keys).toEqual([{ table: 'companies', from: 'company_id' }]);
      // Ours too.
      const userKeys = await sql<{ table: string }>('select "table" from pragma_foreign_key_list(\'users\')');
      expect(userKeys.map((k) => k.table)).toEqual(['companies']);
      expect(await sql('pragma foreign_key_check')).toEqual([]);
      await expect(
        sql('insert into host_projects (title, company_id) values (?, ?)', ['Q', acme.id + 99]),
      ).rejects.toThrow(/foreign key/i);
      await sql('delete from companies where id = ?', [acme.id]);
      expect(await sql('select * from host_projects')).toEqual([]);
      expect((await runner.check()).inSync).toBe(true);
    }

    it("rebuilt MikroORM's way (new table, copy, drop the old, rename the new into place)", async () => {
      await rebuildAndCheck((createSql, indexSql) => [
        createSql.replace(/^create table [`"]?companies[`"]?/i, 'create table `companies__temp_alter`'),
        'insert into `companies__temp_alter` select * from `companies`',
        'drop table `companies`',
        'alter table `companies__temp_alter` rename to `companies`',
        ...indexSql,
      ]);
    });

    it("rebuilt adopt's way (the old table renamed aside, the new one created under its name, copy, drop the old)", async () => {
      // (The indexes go with the renamed table, so they are made again after it is dropped.)
      await rebuildAndCheck((createSql, indexSql) => [
        'alter table `companies` rename to `companies__aside`',
        createSql,
        'insert into `companies` select * from `companies__aside`',
        'drop table `companies__aside`',
        ...indexSql,
      ]);
    });
  },
);
