import type { SqlEntityManager } from '@mikro-orm/sql';
import { type Database, Step } from '../../src/index.js';

/** Rows of one test company. */
export interface TestCompany {
  companyId: number;
  adminId: number;
  userId: number;
}

let seq = 0;

/** Inserts a company with an admin and a regular user (raw SQL: the services are another engineer's). */
export async function seedCompany(
  db: Database,
  settings: Record<string, unknown> = {},
  name = 'Acme',
): Promise<TestCompany> {
  const em = db.orm.em.fork() as SqlEntityManager;
  seq += 1;
  const token = `token-${process.pid}-${seq}-${Math.random().toString(36).slice(2)}`;
  const [company] = await em.execute<{ id: number }[]>(
    'insert into "companies" ("name", "invite_token", "settings") values (?, ?, ?) returning "id"',
    [name, token, JSON.stringify(settings)],
  );
  const user = async (role: string) => {
    const [row] = await em.execute<{ id: number }[]>(
      'insert into "users" ("company_id", "email", "password_hash", "name", "role") values (?, ?, ?, ?, ?) returning "id"',
      [company.id, `${role}-${seq}-${Math.random().toString(36).slice(2)}@example.com`, 'x', role, role],
    );
    return Number(row.id);
  };
  return { companyId: Number(company.id), adminId: await user('admin'), userId: await user('regular') };
}

/** Inserts a workflow with `steps` steps and returns its id and step ids (in step order). */
export async function seedWorkflow(
  db: Database,
  companyId: number,
  options: { steps?: number; status?: string; name?: string } = {},
): Promise<{ workflowId: number; stepIds: number[] }> {
  const em = db.orm.em.fork() as SqlEntityManager;
  const [wf] = await em.execute<{ id: number }[]>(
    'insert into "workflows" ("company_id", "name", "starting_url", "status") values (?, ?, ?, ?) returning "id"',
    [companyId, options.name ?? 'Checkout', 'https://example.com', options.status ?? 'active'],
  );
  const workflowId = Number(wf.id);
  const steps = Array.from({ length: options.steps ?? 0 }, (_, i) =>
    em.create(Step, {
      company: companyId,
      workflow: workflowId,
      stepNumber: i + 1,
      actionType: 'click',
      selectors: { primary: `#b${i + 1}` },
      elementMeta: { tag_name: 'button' },
      pageContext: { url: 'https://example.com' },
    }),
  );
  await em.flush();
  const stepIds = steps.map((s) => s.id);
  return { workflowId, stepIds };
}

/** Runs one statement on a fresh fork and returns its rows. */
export async function rows<T = Record<string, unknown>>(
  db: Database,
  sql: string,
  params: unknown[] = [],
): Promise<T[]> {
  return (db.orm.em.fork() as SqlEntityManager).execute<T[]>(sql, params as never[], 'all');
}

/** Every row of the tables the lifecycle writes, to prove a failed call wrote nothing. */
export async function snapshot(db: Database): Promise<string> {
  const tables = ['workflows', 'steps', 'health_logs', 'notifications'];
  const out: Record<string, unknown> = {};
  for (const table of tables) out[table] = await rows(db, `select * from "${table}" order by "id"`);
  return JSON.stringify(out);
}

/** The workflow's metric columns as plain values. */
export async function workflowRow(db: Database, workflowId: number) {
  const [row] = await rows<{
    status: string;
    total_uses: number;
    success_rate: number;
    consecutive_failures: number;
    last_successful_run: unknown;
    last_failed_run: unknown;
  }>(
    db,
    'select "status", "total_uses", "success_rate", "consecutive_failures", "last_successful_run", "last_failed_run" from "workflows" where "id" = ?',
    [workflowId],
  );
  return row;
}

/** The notifications of a workflow, oldest first. */
export async function notificationsOf(db: Database, workflowId: number) {
  return rows<{ id: number; type: string; severity: string; company_id: number; title: string }>(
    db,
    'select "id", "type", "severity", "company_id", "title" from "notifications" where "workflow_id" = ? order by "id"',
    [workflowId],
  );
}
