import { observeStatements } from '../../src/executor/statement-log.js';
import type { Database, StepInput } from '../../src/index.js';

// Rows are seeded with raw SQL through db.connection: the services that create companies and
// users are another module's, and bcrypt at cost 12 would make every test slow.

/** One seeded company with an admin and a regular user. */
export interface SeededCompany {
  companyId: number;
  adminId: number;
  userId: number;
}

let seq = 0;
const unique = () => `${process.pid}-${++seq}-${Math.random().toString(36).slice(2, 8)}`;

/** Runs one statement through the database's connection and returns its rows. */
export async function sql<T = Record<string, unknown>>(
  db: Database,
  text: string,
  params: unknown[] = [],
): Promise<T[]> {
  return db.connection.execute<T[]>(text, params as never[], 'all');
}

/** Inserts a company with two users. */
export async function seedCompany(db: Database, name = 'Acme'): Promise<SeededCompany> {
  const [company] = await sql<{ id: number }>(
    db,
    'insert into "companies" ("name", "invite_token") values (?, ?) returning "id"',
    [name, `token-${unique()}`],
  );
  const user = async (role: 'admin' | 'regular') => {
    const [row] = await sql<{ id: number }>(
      db,
      'insert into "users" ("company_id", "email", "password_hash", "name", "role") values (?, ?, ?, ?, ?) returning "id"',
      [company.id, `${role}-${unique()}@example.com`, `$2b$12$${'x'.repeat(53)}`, `${name} ${role}`, role],
    );
    return Number(row.id);
  };
  return { companyId: Number(company.id), adminId: await user('admin'), userId: await user('regular') };
}

/** Inserts a screenshot owned by `workflowId` and returns its id. */
export async function seedScreenshot(db: Database, companyId: number, workflowId: number): Promise<number> {
  const key = unique();
  const hash = `sha256:${Buffer.from(key).toString('hex').padEnd(64, '0').slice(0, 64)}`;
  const [row] = await sql<{ id: number }>(
    db,
    'insert into "screenshots" ("company_id", "workflow_id", "hash", "storage_key", "storage_url") values (?, ?, ?, ?, ?) returning "id"',
    [
      companyId,
      workflowId,
      hash,
      `companies/${companyId}/workflows/${workflowId}/screenshots/${key}.jpg`,
      `s3://b/${key}`,
    ],
  );
  return Number(row.id);
}

/** A valid recorded step; `extra` overrides fields. */
export function stepInput(extra: Partial<StepInput> = {}): StepInput {
  return {
    actionType: 'click',
    selectors: { primary: '#submit', css: 'button.submit', xpath: '//button', data_testid: null, stable_attrs: {} },
    elementMeta: { tag_name: 'button', role: 'button', type: 'submit', name: 'Submit' },
    pageContext: { url: 'https://app.example.com/form', title: 'Form', viewport: { width: 1280, height: 800 } },
    ...extra,
  };
}

/** The tables a tenant owns rows in. */
export const TENANT_TABLES = ['users', 'workflows', 'screenshots', 'steps', 'health_logs', 'notifications'] as const;

/** Every row of every tenant table that belongs to `companyId`, read straight from the database. */
export async function snapshotCompany(db: Database, companyId: number): Promise<Record<string, unknown[]>> {
  const out: Record<string, unknown[]> = {};
  for (const table of TENANT_TABLES) {
    out[table] = await sql(db, `select * from "${table}" where "company_id" = ? order by "id"`, [companyId]);
  }
  out.companies = await sql(db, 'select * from "companies" where "id" = ?', [companyId]);
  return out;
}

/** Every row of every table, to prove that a failed call wrote nothing. */
export async function snapshotAll(db: Database): Promise<string> {
  const out: Record<string, unknown[]> = {};
  for (const table of ['companies', ...TENANT_TABLES])
    out[table] = await sql(db, `select * from "${table}" order by "id"`);
  return JSON.stringify(out);
}

/** Runs `work` and returns the OverlayDbError code it threw (fails the test when it does not throw). */
export async function codeOf(work: () => Promise<unknown>): Promise<string> {
  try {
    await work();
  } catch (error) {
    return (error as { code?: string }).code ?? `not an OverlayDbError: ${String(error)}`;
  }
  throw new Error('expected the call to throw');
}

/** Each foreign key a row of one company could use to point at another company's row. */
const CROSS_REFERENCES = [
  ['workflows', 'created_by', 'users'],
  ['steps', 'workflow_id', 'workflows'],
  ['steps', 'screenshot_id', 'screenshots'],
  ['steps', 'edited_by', 'users'],
  ['screenshots', 'workflow_id', 'workflows'],
  ['health_logs', 'workflow_id', 'workflows'],
  ['health_logs', 'step_id', 'steps'],
  ['health_logs', 'user_id', 'users'],
  ['notifications', 'workflow_id', 'workflows'],
  ['notifications', 'read_by', 'users'],
] as const;

/** Rows anywhere in the database that point at a row of another company, as "table.column id". */
export async function crossCompanyReferences(db: Database): Promise<string[]> {
  const out: string[] = [];
  for (const [table, column, target] of CROSS_REFERENCES) {
    const rows = await sql<{ id: number }>(
      db,
      `select r."id" from "${table}" as r join "${target}" as t on t."id" = r."${column}" where t."company_id" <> r."company_id"`,
    );
    for (const row of rows) out.push(`${table}.${column} ${row.id}`);
  }
  return out;
}

/**
 * Every statement the library sends on `db` from now on, as the executor runs it (the real path:
 * its text with `?` placeholders and its parameters), in order. Clear it with `length = 0`.
 */
export function recordStatements(db: Database): { sql: string; params: readonly unknown[] }[] {
  const sent: { sql: string; params: readonly unknown[] }[] = [];
  observeStatements(db.orm.config, (event) => sent.push({ sql: event.sql, params: event.params }));
  return sent;
}

/** A statement with its parameters written in as SQL literals, to read it or to EXPLAIN it. */
export function inlined(statement: { sql: string; params: readonly unknown[] }): string {
  let i = 0;
  return statement.sql.replace(/\?/g, () => {
    const value = statement.params[i++];
    if (value === null || value === undefined) return 'null';
    if (typeof value === 'number' || typeof value === 'boolean') return String(value);
    if (typeof value === 'string') return `'${value.replace(/'/g, "''")}'`;
    // The steps' jsonb array on PostgreSQL: only its size is of interest to a reader.
    if (Buffer.isBuffer(value)) return `'<${value.length} bytes>'`;
    throw new Error(`no literal for a parameter of type ${typeof value}`);
  });
}
