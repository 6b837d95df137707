import type pg from 'pg';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createCompany, type Database } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';
import { openRowLevelSecurityDatabases, type RowLevelSecurityDatabases } from '../support/row-level-security-roles.js';

// db.transaction under PostgreSQL row-level security: the tenant setting is transaction-local, and
// one transaction here holds the scopes of two companies. Each scope call must set its own company
// first, so that a scope never reads or writes under the other's setting, and the one commit or
// rollback covers both. The roles are real NOSUPERUSER NOBYPASSRLS roles (a superuser would bypass
// every policy and prove nothing).
describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable'))(
  'db.transaction under row-level security [postgresql]',
  () => {
    let rls: RowLevelSecurityDatabases;
    let app: Database;
    let superuser: pg.Client;
    let a: number;
    let b: number;

    /** Workflow names per company, read as the superuser (no policy applies). */
    const workflowsByCompany = async (): Promise<Record<number, string[]>> => {
      const { rows } = await superuser.query('select company_id, name from workflows order by id');
      const out: Record<number, string[]> = {};
      for (const row of rows) out[row.company_id] = [...(out[row.company_id] ?? []), row.name];
      return out;
    };

    beforeAll(async () => {
      rls = await openRowLevelSecurityDatabases('overlay_tx');
      ({ app, superuser } = rls);
      a = (await createCompany(rls.owner, { name: 'Acme' })).id;
      b = (await createCompany(rls.owner, { name: 'Globex' })).id;
    }, 60_000);

    afterAll(async () => rls?.dispose());

    it("commits the scopes of two companies together, each writing and reading only its own company's rows", async () => {
      const seen = await app.transaction(async (tx) => {
        await tx.forCompany(a).workflows.create({ name: 'acme one', startingUrl: 'https://acme.test' });
        await tx.forCompany(b).workflows.create({ name: 'globex one', startingUrl: 'https://globex.test' });
        // a's read comes after b's write in the same transaction: it must run under a's setting again.
        const acme = await tx.forCompany(a).workflows.list();
        const globex = await tx.forCompany(b).workflows.list();
        return { acme: acme.items.map((w) => w.name), globex: globex.items.map((w) => w.name) };
      });
      expect(seen).toEqual({ acme: ['acme one'], globex: ['globex one'] });
      expect(await workflowsByCompany()).toEqual({ [a]: ['acme one'], [b]: ['globex one'] });
    });

    it('rolls back the scopes of both companies when the function throws', async () => {
      const before = await workflowsByCompany();
      const mine = new Error('changed my mind');
      const attempt = app.transaction(async (tx) => {
        await tx.forCompany(a).workflows.create({ name: 'acme two', startingUrl: 'https://acme.test' });
        await tx.forCompany(b).notifications.create({ type: 'workflow_healed', title: 'globex note' });
        throw mine;
      });
      await expect(attempt).rejects.toBe(mine);
      expect(await workflowsByCompany()).toEqual(before);
      const { rows } = await superuser.query('select count(*)::int as n from notifications');
      expect(rows[0].n).toBe(0);
    });

    it("a scope given the other company's workflow id inside the transaction finds nothing and writes nothing", async () => {
      const globexWorkflow = await app
        .forCompany(b)
        .workflows.create({ name: 'globex private', startingUrl: 'https://globex.test' });
      const before = await workflowsByCompany();
      const read = await app.transaction(async (tx) => {
        await tx.forCompany(b).workflows.list();
        return tx.forCompany(a).workflows.get(globexWorkflow.id);
      });
      expect(read).toBeNull();
      const attempt = app.transaction((tx) =>
        tx.forCompany(a).workflows.update(globexWorkflow.id, { name: 'taken over' }),
      );
      await expect(attempt).rejects.toMatchObject({ code: 'NOT_FOUND' });
      expect(await workflowsByCompany()).toEqual(before);
    });
  },
);
