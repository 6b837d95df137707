import type { SqlEntityManager } from '@mikro-orm/sql';
import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { query } from '../../src/executor/executor.js';
import {
  authenticate,
  createAdmin,
  createCompany,
  createTenantScope,
  type Database,
  OverlayDbError,
  openDatabase,
  rowLevelSecuritySql,
} from '../../src/index.js';
import { ScopeContext } from '../../src/tenant/scope-context.js';
import type { TestDatabase } from '../support/dialects.js';
import { requestedDialects } from '../support/env.js';
import { openRowLevelSecurityDatabases, type RowLevelSecurityDatabases } from '../support/row-level-security-roles.js';
import { recordStatements, stepInput } from '../tenant/fixtures.js';

// PostgreSQL-only: row-level security is a PostgreSQL feature (openDatabase refuses it on SQLite,
// checked at the end). The roles are real: the tables belong to a NOSUPERUSER NOBYPASSRLS owner
// role, and the app connects as another NOSUPERUSER NOBYPASSRLS role; a superuser would bypass
// every policy and prove nothing.
const TABLES = ['users', 'workflows', 'steps', 'screenshots', 'health_logs', 'notifications'] as const;

describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable'))(
  'row-level security behind the tenant scope [postgresql]',
  () => {
    let rls: RowLevelSecurityDatabases;
    let ownerRole: string;
    let appRole: string;
    let target: TestDatabase;
    let owner: Database;
    let app: Database;
    let a: number;
    let b: number;
    let superuser: pg.Client;

    const urlAs = (role: string) => {
      const url = new URL(target.url);
      url.username = role;
      return url.toString();
    };
    /** Counts of every tenant table per company, read as the superuser (no policy applies). */
    const countsByCompany = async () => {
      const out: Record<string, Record<number, number>> = {};
      for (const t of TABLES) {
        const { rows } = await superuser.query(`select company_id, count(*)::int as n from "${t}" group by company_id`);
        out[t] = Object.fromEntries(rows.map((r) => [r.company_id, r.n]));
      }
      return out;
    };

    beforeAll(async () => {
      rls = await openRowLevelSecurityDatabases('overlay');
      ({ target, ownerRole, appRole, owner, app, superuser } = rls);
      // The owner runs the cross-company services (no tenant set: the maintenance policy).
      const acme = await createCompany(owner, { name: 'Acme' });
      const globex = await createCompany(owner, { name: 'Globex' });
      a = acme.id;
      b = globex.id;
      await createAdmin(owner, {
        companyId: a,
        email: 'ann@acme.test',
        password: 'correct horse battery 9',
        name: 'Ann',
      });
      await createAdmin(owner, { companyId: b, email: 'bob@globex.test', password: 'correct horse battery 9' });

      for (const company of [a, b]) {
        const scope = app.forCompany(company);
        const wf = await scope.workflows.create({
          name: `wf ${company}`,
          startingUrl: 'https://example.com',
          steps: [stepInput(), stepInput({ actionType: 'submit' })],
        });
        const users = await scope.users.list();
        await scope.healthLogs.record({ workflowId: wf.id, userId: users[0].id, status: 'success' });
        await scope.notifications.create({ type: 'workflow_healed', title: `hello ${company}` });
      }
      await superuser.query(
        `insert into screenshots (company_id, workflow_id, hash, storage_key, storage_url)
         select company_id, id, 'sha256:' || repeat(company_id::text, 64 / length(company_id::text)) || repeat('0', 64 - 64 / length(company_id::text) * length(company_id::text)), 'k' || id, 'u' || id from workflows`,
      );
    }, 60_000);

    afterAll(async () => rls?.dispose());

    it('the roles cannot bypass the policies, and every table is ENABLE + FORCE with both policies', async () => {
      const { rows: roles } = await superuser.query(
        'select rolname, rolsuper, rolbypassrls from pg_roles where rolname = any($1) order by rolname',
        [[appRole, ownerRole]],
      );
      expect(roles.map((r) => [r.rolsuper, r.rolbypassrls])).toEqual([
        [false, false],
        [false, false],
      ]);
      const { rows } = await superuser.query(
        `select c.relname, c.relrowsecurity, c.relforcerowsecurity, array_agg(p.polname::text order by p.polname) as policies
         from pg_class c left join pg_policy p on p.polrelid = c.oid
         where c.relname = any($1) and c.relkind = 'r' group by 1, 2, 3 order by 1`,
        [[...TABLES, 'companies']],
      );
      expect(rows).toHaveLength(7);
      for (const row of rows) {
        expect(row).toMatchObject({ relrowsecurity: true, relforcerowsecurity: true });
        expect(row.policies).toEqual(['overlay_maintenance', 'overlay_tenant']);
      }
    });

    it('the scope works as the app role, and each company sees only its own rows', async () => {
      for (const [mine, theirs] of [
        [a, b],
        [b, a],
      ]) {
        const scope = app.forCompany(mine);
        const page = await scope.workflows.list();
        expect(page.items.map((w) => w.name)).toEqual([`wf ${mine}`]);
        const wf = await scope.workflows.getWithSteps(page.items[0].id);
        expect(wf?.steps).toHaveLength(2);
        expect((await scope.notifications.list()).items.map((n) => n.title)).toEqual([`hello ${mine}`]);
        expect((await scope.healthLogs.listByWorkflow(wf!.id)).items).toHaveLength(1);
        expect(await scope.screenshots.listByWorkflow(wf!.id)).toHaveLength(1);
        const other = app.forCompany(theirs);
        const theirWorkflow = (await other.workflows.list()).items[0];
        expect(await scope.workflows.get(theirWorkflow.id)).toBeNull();
      }
    });

    it('every kind of scope call works under the policies (writes, labels, runs, reads, delete)', async () => {
      const scope = app.forCompany(a);
      const [user] = await scope.users.list();
      expect((await scope.users.get(user.id))?.id).toBe(user.id);
      const wf = await scope.workflows.create({ name: 'full', startingUrl: 'https://x.test', steps: [stepInput()] });
      const [step] = await scope.steps.listByWorkflow(wf.id);
      await scope.steps.applyLabels(wf.id, [{ stepId: step.id, fieldLabel: 'Email', instruction: 'Type it' }]);
      await scope.steps.update(step.id, { fieldLabel: 'E-mail' }, { editedBy: user.id });
      expect((await scope.steps.get(step.id))?.fieldLabel).toBe('E-mail');
      await scope.workflows.update(wf.id, { name: 'renamed' });
      await scope.healthLogs.record({ workflowId: wf.id, userId: user.id, status: 'failed', stepId: step.id });
      expect(await scope.healthLogs.summary(wf.id)).not.toBeNull();
      const n = await scope.notifications.create({ type: 'workflow_broken', title: 'x', workflowId: wf.id });
      await scope.notifications.markRead(n.id, user.id);
      await scope.notifications.markAllRead(user.id);
      await scope.workflows.delete(wf.id);
      expect(await scope.workflows.get(wf.id)).toBeNull();
      // The same ids through the other company's scope: invisible.
      expect(await app.forCompany(b).steps.get(step.id)).toBeNull();
    });

    it('raw SQL inside the scope transaction sees and changes only that company', async () => {
      const before = await countsByCompany();
      const ctx = new ScopeContext(app.orm.em, a, { rowLevelSecurity: true });
      const seen = await ctx.transaction(async (em) => {
        const out: Record<string, number[]> = {};
        for (const t of TABLES) {
          const rows = await query<{ company_id: number }>(em, `select distinct company_id from "${t}"`);
          out[t] = rows.map((r) => Number(r.company_id));
        }
        const companies = await query<{ id: number }>(em, 'select id from companies');
        return { out, companies: companies.map((r) => Number(r.id)) };
      });
      for (const t of TABLES) expect(seen.out[t]).toEqual([a]);
      expect(seen.companies).toEqual([a]);

      // Statements with no WHERE at all: the policies still confine them to company a.
      const changed = await ctx.transaction(async (em) => {
        const upd = await query(em, "update workflows set description = 'touched' returning id");
        const del = await query(em, 'delete from notifications returning id');
        return { upd: upd.length, del: del.length };
      });
      expect(changed).toEqual({ upd: 1, del: 1 });
      const { rows } = await superuser.query(
        'select company_id, description from workflows where description is not distinct from $1',
        ['touched'],
      );
      expect(rows.map((r) => r.company_id)).toEqual([a]);
      const after = await countsByCompany();
      expect(after.notifications).toEqual({ [b]: before.notifications[b] });
      expect(after.workflows).toEqual(before.workflows);
    });

    it("a scope on a host's EntityManager in a transaction joins it, setting the tenant once per scope transaction", async () => {
      const sent = recordStatements(app);
      const marker = `joined ${appRole}`;
      const error = await app
        .fork()
        .transactional(async (tx) => {
          const scope = createTenantScope(tx, a);
          sent.length = 0;
          // The call's transaction and create's own one inside it are one scope transaction.
          const wf = await scope.workflows.create({
            name: marker,
            startingUrl: 'https://x.test',
            steps: [stepInput()],
          });
          const setsTenant = () => sent.filter((s) => s.sql.includes('set_config')).length;
          expect(setsTenant()).toBe(1);
          expect(sent.filter((s) => /^(begin|commit)\b/.test(s.sql))).toEqual([]);
          // The host's own statements run in the same transaction: they see the uncommitted row.
          const [row] = await tx.execute<{ n: string }[]>('select count(*) as n from workflows where name = ?', [
            marker,
          ]);
          expect(Number(row.n)).toBe(1);
          expect((await scope.workflows.getWithSteps(wf.id))?.steps).toHaveLength(1);
          expect(setsTenant()).toBe(2);
          throw new Error('the host rolls back');
        })
        .catch((e: unknown) => e);
      expect((error as Error).message).toBe('the host rolls back');
      const { rows } = await superuser.query('select count(*)::int as n from workflows where name = $1', [marker]);
      expect(rows[0].n).toBe(0);
    });

    it('WITH CHECK refuses rows written for another company, and nothing is written', async () => {
      const before = await countsByCompany();
      const ctx = new ScopeContext(app.orm.em, a, { rowLevelSecurity: true });
      const attempts = [
        (em: SqlEntityManager) =>
          query(em, 'insert into workflows (company_id, name, starting_url) values (?, ?, ?)', [b, 'x', 'https://x']),
        (em: SqlEntityManager) => query(em, 'update workflows set company_id = ?', [b]),
        (em: SqlEntityManager) =>
          query(em, 'insert into notifications (company_id, type, severity, title) values (?, ?, ?, ?)', [
            b,
            'workflow_healed',
            'info',
            'x',
          ]),
        (em: SqlEntityManager) => query(em, "update users set company_id = ? where email = 'ann@acme.test'", [b]),
      ];
      for (const attempt of attempts) {
        const error = await ctx.transaction((em) => attempt(em)).catch((e: unknown) => e);
        expect(error).toBeInstanceOf(OverlayDbError);
        expect((error as OverlayDbError).message).toMatch(/row-level security/);
      }
      expect(await countsByCompany()).toEqual(before);
    });

    it('without the tenant setting the app role sees nothing and can write nothing', async () => {
      const em = app.fork();
      const seen = await em.transactional(async (tx) => {
        const out: number[] = [];
        for (const t of [...TABLES, 'companies']) {
          const [row] = await tx.execute<{ n: string }[]>(`select count(*) as n from "${t}"`);
          out.push(Number(row.n));
        }
        return out;
      });
      expect(seen).toEqual([0, 0, 0, 0, 0, 0, 0]);
      const error = await em
        .transactional((tx) =>
          tx.execute('insert into workflows (company_id, name, starting_url) values (?, ?, ?)', [a, 'x', 'https://x']),
        )
        .catch((e: unknown) => e);
      expect(String(error)).toMatch(/row-level security/);
    });

    it('the tenant setting is transaction-local: the pooled connection does not keep it', async () => {
      const one = await openDatabase({
        ...target.openOptions,
        url: urlAs(appRole),
        rowLevelSecurity: true,
        pool: { min: 1, max: 1 },
      });
      try {
        await one.forCompany(a).workflows.list();
        const [row] = await one.connection.execute<{ v: string | null }[]>(
          "select current_setting('app.company_id', true) as v",
        );
        expect(row.v ?? '').toBe('');
        const [count] = await one.connection.execute<{ n: string }[]>('select count(*) as n from workflows');
        expect(Number(count.n)).toBe(0);
      } finally {
        await one.close();
      }
    });

    it('the owner sees everything only while no tenant is set; with one set, it is bound too (FORCE)', async () => {
      const [all] = await owner.connection.execute<{ n: string }[]>(
        'select count(distinct company_id) as n from workflows',
      );
      expect(Number(all.n)).toBe(2);
      const ctx = new ScopeContext(owner.orm.em, b, { rowLevelSecurity: true });
      const seen = await ctx.transaction((em) =>
        query<{ company_id: number }>(em, 'select distinct company_id from workflows'),
      );
      expect(seen.map((r) => Number(r.company_id))).toEqual([b]);
      // Sign-in runs on the owner connection, across companies.
      expect(
        (await authenticate(owner, { email: 'bob@globex.test', password: 'correct horse battery 9' }))?.company.id,
      ).toBe(b);
    });

    it('rowLevelSecuritySql validates role names; openDatabase refuses it on SQLite', async () => {
      expect(() => rowLevelSecuritySql({ appRole: 'x"; drop table users; --' })).toThrow(OverlayDbError);
      expect(rowLevelSecuritySql({ appRole: 'overlay_app' }).join(';\n')).toContain('force row level security');
      await expect(openDatabase({ url: 'sqlite:///:memory:', rowLevelSecurity: true })).rejects.toMatchObject({
        code: 'INVALID_INPUT',
      });
    });
  },
);
