import { afterAll, beforeAll, expect, it } from 'vitest';
import type { Database, TenantScope } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { inlined, recordStatements, sql } from './fixtures.js';

const COMPANIES = 40;
const WORKFLOWS_PER_COMPANY = 150;
const STEPS_PER_WORKFLOW = 4;

// The planner only shows its real choice with realistic data: thousands of workflows across
// many companies, and fresh statistics (ANALYZE).
describeEachDialect('t.workflows.list query plan', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let t: TenantScope;
  let userId: number;
  let statements: { sql: string; params: readonly unknown[] }[];
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    statements = recordStatements(db);
    await seed();
    const [company] = await sql<{ id: number }>(db, 'select "id" from "companies" order by "id" limit 1 offset 7');
    t = db.forCompany(Number(company.id));
    const [user] = await sql<{ id: number }>(
      db,
      `insert into "users" ("company_id", "email", "password_hash", "role") values (?, 'plan@example.com', 'x', 'admin') returning "id"`,
      [company.id],
    );
    userId = Number(user.id);
    await sql(db, 'update "workflows" set "created_by" = ? where "company_id" = ? and "id" % 3 = 0', [
      userId,
      company.id,
    ]);
    await sql(db, 'analyze');
  }, 120_000);
  afterAll(async () => dispose());

  async function seed() {
    const pg = dialect === 'postgresql';
    const series = (name: string, n: number) => (pg ? `generate_series(1, ${n}) as ${name}(n)` : `${name}`);
    const withSeries = (name: string, n: number) =>
      pg ? '' : `with recursive ${name}(n) as (select 1 union all select n + 1 from ${name} where n < ${n}) `;
    const minutesAgo = pg
      ? `now() - g.n * interval '1 minute'`
      : `strftime('%Y-%m-%dT%H:%M:%fZ', 'now', '-' || g.n || ' minutes')`;
    const tags = pg ? `('["t' || (g.n % 5) || '"]')::jsonb` : `'["t' || (g.n % 5) || '"]'`;
    await sql(
      db,
      `${withSeries('c', COMPANIES)}insert into "companies" ("name", "invite_token") select 'Company ' || c.n, 'plan-token-' || c.n from ${series('c', COMPANIES)}`,
    );
    await sql(
      db,
      `${withSeries('g', WORKFLOWS_PER_COMPANY)}insert into "workflows" ("company_id", "name", "starting_url", "status", "tags", "created_at", "updated_at") ` +
        `select co."id", 'W' || g.n, 'https://x.example', case g.n % 4 when 0 then 'draft' when 1 then 'active' when 2 then 'broken' else 'archived' end, ${tags}, ${minutesAgo}, ${minutesAgo} ` +
        `from "companies" as co cross join ${series('g', WORKFLOWS_PER_COMPANY)}`,
    );
    await sql(
      db,
      `${withSeries('s', STEPS_PER_WORKFLOW)}insert into "steps" ("company_id", "workflow_id", "step_number", "action_type", "selectors", "element_meta", "page_context") ` +
        `select w."company_id", w."id", s.n, 'click', '{}', '{}', '{}' from "workflows" as w cross join ${series('s', STEPS_PER_WORKFLOW)}`,
    );
    const [{ n }] = await sql<{ n: number }>(db, 'select count(*) as "n" from "workflows"');
    expect(Number(n)).toBe(COMPANIES * WORKFLOWS_PER_COMPANY);
  }

  /** Runs `call` and returns the statements it issued that match `pattern`, parameters written in. */
  async function captured(call: () => Promise<unknown>, pattern: RegExp): Promise<string[]> {
    statements.length = 0;
    await call();
    return statements.map(inlined).filter((line) => pattern.test(line));
  }

  interface Plan {
    nodes: string[];
    indexes: string[];
    text: string;
  }

  async function explain(statement: string): Promise<Plan> {
    if (dialect === 'sqlite') {
      const rows = await sql<{ detail: string }>(db, `explain query plan ${statement}`);
      const details = rows.map((r) => r.detail);
      return {
        nodes: details,
        indexes: details.flatMap((d) => /USING (?:COVERING )?INDEX (\w+)/.exec(d)?.[1] ?? []),
        text: details.join('\n'),
      };
    }
    const [row] = await sql<{ 'QUERY PLAN': unknown }>(db, `explain (format json) ${statement}`);
    const raw = row['QUERY PLAN'];
    const plan = (typeof raw === 'string' ? JSON.parse(raw) : raw) as { Plan: PgNode }[];
    const nodes: string[] = [];
    const indexes: string[] = [];
    const walk = (node: PgNode) => {
      nodes.push(`${node['Node Type']}${node['Relation Name'] ? ` on ${node['Relation Name']}` : ''}`);
      if (node['Index Name']) indexes.push(node['Index Name']);
      for (const child of node.Plans ?? []) walk(child);
    };
    walk(plan[0].Plan);
    return { nodes, indexes, text: JSON.stringify(plan) };
  }

  interface PgNode {
    'Node Type': string;
    'Relation Name'?: string;
    'Index Name'?: string;
    Plans?: PgNode[];
  }

  const LIST_SQL = /from "workflows" as "w"/;

  it('reads a page through the (company_id, created_at, id) index, in index order, without sorting', async () => {
    const [statement] = await captured(() => t.workflows.list({ limit: 20 }), LIST_SQL);
    const plan = await explain(statement);
    console.log(`[${dialect}] plan of workflows.list:\n  ${statement}\n  ${plan.nodes.join('\n  ')}`);
    expect(plan.indexes).toContain('workflows_company_id_created_at_id_index');
    if (dialect === 'sqlite') {
      expect(plan.text).not.toMatch(/TEMP B-TREE/);
      expect(plan.text).not.toMatch(/^SCAN w$/m);
    } else {
      expect(plan.nodes).not.toContain('Seq Scan on workflows');
      expect(plan.nodes).not.toContain('Sort');
    }
  });

  it('uses the same index for a later page (keyset condition, no offset)', async () => {
    const first = await t.workflows.list({ limit: 20 });
    const [statement] = await captured(() => t.workflows.list({ limit: 20, cursor: first.nextCursor }), LIST_SQL);
    expect(statement).not.toMatch(/\boffset\b/i);
    const plan = await explain(statement);
    expect(plan.indexes).toContain('workflows_company_id_created_at_id_index');
    if (dialect === 'sqlite') expect(plan.text).not.toMatch(/TEMP B-TREE/);
    else expect(plan.nodes).not.toContain('Sort');
  });

  it.each(['status', 'tag', 'creator'] as const)('uses a company index with a %s filter', async (filter) => {
    const options =
      filter === 'status' ? { status: 'active' as const } : filter === 'tag' ? { tag: 't3' } : { createdBy: userId };
    const [statement] = await captured(() => t.workflows.list({ limit: 20, ...options }), LIST_SQL);
    const plan = await explain(statement);
    expect(
      plan.indexes.some((name) => name.startsWith('workflows_company_id') || name === 'workflows_created_by_index'),
    ).toBe(true);
    if (dialect === 'postgresql') expect(plan.nodes).not.toContain('Seq Scan on workflows');
    else expect(plan.text).not.toMatch(/^SCAN w$/m);
  });

  it('counts the steps of the page through an index, not by scanning the steps table', async () => {
    const [statement] = await captured(() => t.workflows.list({ limit: 20 }), /count\(\*\)/);
    expect(statement).toMatch(/from "steps" as "s" where "s"\."workflow_id" = "w"\."id"/);
    const plan = await explain(statement);
    expect(plan.indexes.length).toBeGreaterThan(0);
    if (dialect === 'postgresql') expect(plan.nodes).not.toContain('Seq Scan on steps');
    else expect(plan.text).not.toMatch(/^SCAN steps$/m);
  });
});
