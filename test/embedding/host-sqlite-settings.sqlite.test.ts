import { MikroORM } from '@mikro-orm/core';
import { SqliteDriver as GenericSqliteDriver, NodeSqliteDialect } from '@mikro-orm/sql';
import { SqliteDriver } from '@mikro-orm/sqlite';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  authenticate,
  createAdmin,
  createCompany,
  createMigrationRunner,
  createTenantScope,
  DEFAULT_BUSY_TIMEOUT_MS,
  dedupeScreenshot,
  entities,
  InvalidInputError,
  joinCompany,
  rotateInviteToken,
} from '../../src/index.js';
import { createTestDatabase, requestedDialects, type TestDatabase } from '../support/dialects.js';

// A host that embeds the library on its own MikroORM SQLite connection. MikroORM 7 turns foreign
// keys on as it connects; its node:sqlite dialect leaves SQLite's busy timeout at 0. A host (or a
// failed schema change of MikroORM's, which runs `pragma foreign_keys = off` first) can leave
// foreign keys off, and then the schema's cascades silently do not happen.
describe.runIf(requestedDialects().includes('sqlite'))(
  'a host SQLite connection gets the settings the library needs',
  () => {
    let target: TestDatabase;
    let orm: MikroORM;
    beforeEach(async () => {
      target = await createTestDatabase('sqlite');
      const connection =
        process.env.OVERLAY_SQLITE_DRIVER === 'node:sqlite'
          ? { driver: GenericSqliteDriver, driverOptions: new NodeSqliteDialect(target.name) }
          : { driver: SqliteDriver };
      orm = (await MikroORM.init({
        ...connection,
        dbName: target.name,
        entities: [...entities],
        metadataCache: { enabled: false },
      } as Parameters<typeof MikroORM.init>[0])) as MikroORM;
      await createMigrationRunner(orm).up();
    });
    afterEach(async () => {
      await orm.close(true);
      await target.drop();
    });

    async function pragma(name: string): Promise<number> {
      const [row] = await orm.em.getConnection().execute<Record<string, number>[]>(`pragma ${name}`);
      return Number(Object.values(row)[0]);
    }

    async function workflowWithSteps(companyId: number): Promise<number> {
      const tenant = createTenantScope(orm.em.fork(), companyId);
      const workflow = await tenant.workflows.create({
        name: 'W',
        startingUrl: 'https://host.test',
        steps: [1, 2].map((stepNumber) => ({
          stepNumber,
          actionType: 'click',
          selectors: {},
          elementMeta: {},
          pageContext: {},
        })),
      });
      return workflow.id;
    }

    async function company(): Promise<number> {
      return (await createCompany(orm.em.fork(), { name: 'Host Co' })).id;
    }

    it('with foreign keys turned off by the host, deleting a workflow through a scope still cascades to its steps', async () => {
      const companyId = await company();
      await orm.em.getConnection().execute('pragma foreign_keys = off');
      expect(await pragma('foreign_keys')).toBe(0);
      const workflowId = await workflowWithSteps(companyId);
      await createTenantScope(orm.em.fork(), companyId).workflows.delete(workflowId);
      const [row] = await orm.em.getConnection().execute<{ n: number }[]>('select count(*) as "n" from "steps"');
      expect(Number(row.n)).toBe(0);
      expect(await pragma('foreign_keys')).toBe(1);
    });

    it("raises a busy timeout below the library's default to the default", async () => {
      await orm.em.getConnection().execute('pragma busy_timeout = 1000');
      const companyId = await company();
      await createTenantScope(orm.em.fork(), companyId).workflows.list();
      expect(await pragma('busy_timeout')).toBe(DEFAULT_BUSY_TIMEOUT_MS);
    });

    it("refuses, with nothing written, a scope call inside the host's transaction while foreign keys are off (SQLite cannot turn them on there)", async () => {
      const companyId = await company();
      await orm.em.getConnection().execute('pragma foreign_keys = off');
      const attempt = orm.em
        .fork()
        .transactional((em) =>
          createTenantScope(em, companyId).workflows.create({ name: 'W', startingUrl: 'https://host.test' }),
        );
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'em' });
      const [row] = await orm.em.getConnection().execute<{ n: number }[]>('select count(*) as "n" from "workflows"');
      expect(Number(row.n)).toBe(0);
    });
    // The services run on the host's EntityManager through the executor, as the scopes do: each of
    // them must bring the connection to the library's settings before its first statement.
    const services: [string, (em: ReturnType<MikroORM['em']['fork']>, companyId: number) => Promise<unknown>][] = [
      ['createCompany', (em) => createCompany(em, { name: 'Second Co' })],
      [
        'createAdmin',
        (em, companyId) => createAdmin(em, { companyId, email: 'admin@host.test', password: 'correct-horse-42' }),
      ],
      ['rotateInviteToken', (em, companyId) => rotateInviteToken(em, companyId)],
      ['authenticate', (em) => authenticate(em, { email: 'nobody@host.test', password: 'correct-horse-42' })],
      [
        'joinCompany',
        async (em, companyId) => {
          const [row] = await orm.em
            .getConnection()
            .execute<{ token: string }[]>('select "invite_token" as "token" from "companies" where "id" = ?', [
              companyId,
            ]);
          return joinCompany(em, { inviteToken: row.token, email: 'member@host.test', password: 'battery staple 7' });
        },
      ],
      [
        'dedupeScreenshot',
        async (em, companyId) => {
          // The workflow is made through the host connection itself, so only the service's own call is checked.
          await orm.em
            .getConnection()
            .execute(
              `insert into "workflows" ("company_id", "name", "starting_url", "status", "created_at", "updated_at") values (?, 'W', 'https://host.test', 'draft', '2026-01-01T00:00:00.000Z', '2026-01-01T00:00:00.000Z')`,
              [companyId],
            );
          const [row] = await orm.em
            .getConnection()
            .execute<{ id: number }[]>('select max("id") as "id" from "workflows"');
          return dedupeScreenshot(em, {
            companyId,
            workflowId: Number(row.id),
            hash: `sha256:${'a'.repeat(64)}`,
            format: 'png',
          });
        },
      ],
    ];
    for (const [name, call] of services) {
      it(`${name} on a host connection with foreign keys turned off turns them on first`, async () => {
        const companyId = await company();
        await orm.em.getConnection().execute('pragma foreign_keys = off');
        await call(orm.em.fork(), companyId);
        expect(await pragma('foreign_keys')).toBe(1);
      });
    }

    it("with foreign keys turned off by the host, a company deleted after the services' sign-up still cascades to its users", async () => {
      await orm.em.getConnection().execute('pragma foreign_keys = off');
      const companyId = (await createCompany(orm.em.fork(), { name: 'Host Co' })).id;
      await createAdmin(orm.em.fork(), { companyId, email: 'admin@host.test', password: 'correct-horse-42' });
      await orm.em.getConnection().execute('delete from "companies" where "id" = ?', [companyId]);
      const [row] = await orm.em.getConnection().execute<{ n: number }[]>('select count(*) as "n" from "users"');
      expect(Number(row.n)).toBe(0);
    });

    it("refuses a service call inside the host's transaction while foreign keys are off, with nothing written", async () => {
      const companyId = await company();
      await orm.em.getConnection().execute('pragma foreign_keys = off');
      const attempt = orm.em
        .fork()
        .transactional((em) => createAdmin(em, { companyId, email: 'admin@host.test', password: 'correct-horse-42' }));
      await expect(attempt).rejects.toBeInstanceOf(InvalidInputError);
      await expect(attempt).rejects.toMatchObject({ code: 'INVALID_INPUT', field: 'em' });
      const [row] = await orm.em.getConnection().execute<{ n: number }[]>('select count(*) as "n" from "users"');
      expect(Number(row.n)).toBe(0);
    });
  },
);
