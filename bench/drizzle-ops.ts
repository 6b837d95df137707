// The operations on Drizzle ORM (drizzle-orm, on its better-sqlite3 and node-postgres drivers),
// written as its docs recommend for speed: reads as prepared statements with placeholders
// (`.prepare()`; named on PostgreSQL), writes with the query builder in `db.transaction`
// (synchronous and `immediate` on better-sqlite3, as Drizzle runs it there). The table
// definitions are read from the migrated database (what `drizzle-kit pull` writes), one column
// builder per column type, keyed by column name so rows come out as the raw sides' rows.
import { and, asc, count, desc, eq, getTableColumns, gte, isNotNull, max, type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import {
  bigint as pgBigint,
  boolean as pgBoolean,
  doublePrecision as pgDouble,
  integer as pgInteger,
  json as pgJson,
  jsonb as pgJsonb,
  real as pgReal,
  pgTable,
  text as pgText,
  timestamp as pgTimestamp,
} from 'drizzle-orm/pg-core';
import { integer as sqliteInteger, real as sqliteReal, sqliteTable, text as sqliteText } from 'drizzle-orm/sqlite-core';
import type pg from 'pg';
import type { DatasetIds } from './dataset.js';
import {
  hashFor,
  healthSummary,
  mapRow,
  notificationPage,
  type OperationSet,
  STEPS_50,
  STEPS_500,
  WORKFLOW_DATES,
  WORKFLOW_JSON,
  workflowPage,
  workflowWithSteps,
  writerOf,
} from './ops.js';
import { type BetterSqliteDatabase, countStatement, type Row } from './raw-driver.js';

type Dialect = 'sqlite' | 'postgresql';
type Tables = Record<string, any>;
const TABLES = ['companies', 'users', 'workflows', 'steps', 'screenshots', 'health_logs', 'notifications'];
const json = (v: unknown) => (v == null ? null : JSON.stringify(v));
const DAY_MS = 24 * 3600 * 1000;

/** Drizzle table definitions of the migrated SQLite schema (pragma table_info). */
export function sqliteTables(db: BetterSqliteDatabase): Tables {
  const tables: Tables = {};
  for (const name of TABLES) {
    const columns: Record<string, any> = {};
    for (const col of db.prepare(`pragma table_info("${name}")`).all()) {
      const type = String(col.type).toLowerCase();
      let builder: any = type.includes('int')
        ? sqliteInteger(col.name)
        : type.includes('real') || type.includes('float') || type.includes('double') || type.includes('numeric')
          ? sqliteReal(col.name)
          : sqliteText(col.name);
      if (col.pk) builder = builder.primaryKey();
      else if (col.dflt_value != null) builder = builder.default(sql.raw(String(col.dflt_value)));
      columns[col.name] = builder;
    }
    tables[name] = sqliteTable(name, columns);
  }
  return tables;
}

/** Drizzle table definitions of the migrated PostgreSQL schema (information_schema.columns). */
export async function postgresTables(pool: pg.Pool): Promise<Tables> {
  const { rows } = await pool.query(
    `select table_name, column_name, data_type, column_default from information_schema.columns
     where table_schema = 'public' and table_name = any($1) order by table_name, ordinal_position`,
    [TABLES],
  );
  const columns: Record<string, Record<string, any>> = {};
  for (const col of rows) {
    const name = col.column_name as string;
    let builder: any;
    switch (col.data_type) {
      case 'integer':
      case 'smallint':
        builder = pgInteger(name);
        break;
      case 'bigint':
        builder = pgBigint(name, { mode: 'number' });
        break;
      case 'double precision':
      case 'numeric':
        builder = pgDouble(name);
        break;
      case 'real':
        builder = pgReal(name);
        break;
      case 'boolean':
        builder = pgBoolean(name);
        break;
      case 'jsonb':
        builder = pgJsonb(name);
        break;
      case 'json':
        builder = pgJson(name);
        break;
      case 'timestamp with time zone':
        builder = pgTimestamp(name, { withTimezone: true, mode: 'date' });
        break;
      case 'timestamp without time zone':
        builder = pgTimestamp(name, { mode: 'date' });
        break;
      default:
        builder = pgText(name);
    }
    if (col.column_default != null) builder = builder.default(sql.raw(String(col.column_default)));
    columns[col.table_name] ??= {};
    columns[col.table_name][name] = builder;
  }
  const tables: Tables = {};
  for (const name of TABLES) tables[name] = pgTable(name, columns[name]);
  return tables;
}

/** A Drizzle logger that counts the statements it is told of (Drizzle logs every statement it sends). */
export function countingLogger(counter: { count: number }) {
  return { logQuery: (query: string) => countStatement(counter, query) };
}

export function drizzleSqliteDb(client: BetterSqliteDatabase, counter?: { count: number }) {
  return drizzleSqlite({ client: client as never, logger: counter ? countingLogger(counter) : false });
}

export function drizzlePgDb(pool: pg.Pool, counter?: { count: number }) {
  return drizzlePg({ client: pool, logger: counter ? countingLogger(counter) : false });
}

/** The text of a timestamp column as the library's cursors carry it. */
function timestampText(dialect: Dialect, column: unknown): SQL<string> {
  return dialect === 'postgresql'
    ? sql<string>`to_char(${column} at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`
    : sql<string>`${column}`;
}

/**
 * The operations on Drizzle; `name` prefixes the PostgreSQL prepared statements' names (one
 * instance with a logger and one without share a pool, and need names of their own).
 */
export function drizzleOps(
  db: any,
  t: Tables,
  dialect: Dialect,
  ids: DatasetIds,
  tag: number,
  name: string,
): OperationSet {
  const c = ids.companyId;
  const writer = writerOf(ids);
  const pgsql = dialect === 'postgresql';
  const { workflows: w, steps: s, users: u, companies: co, screenshots: sc, health_logs: h, notifications: n } = t;
  const p = sql.placeholder;
  // Prepared on PostgreSQL as named statements, on SQLite as cached better-sqlite3 statements.
  const prepare = (query: any, label: string) => (pgsql ? query.prepare(`${name}_${label}`) : query.prepare());
  // Timestamps bind as Dates on PostgreSQL (the columns map Dates), as ISO text on SQLite.
  const at = (ms: number) => (pgsql ? new Date(ms) : new Date(ms).toISOString());
  const bool = (v: boolean) => (pgsql ? v : v ? 1 : 0);
  // A prepared query's rows: `execute` on PostgreSQL, `all` (synchronous) on better-sqlite3.
  const run = (q: any, params: object) => (pgsql ? q.execute(params) : q.all(params));

  const listPage = prepare(
    db
      .select({
        ...getTableColumns(w),
        cursor_created_at: timestampText(dialect, w.created_at),
        step_count: db.$count(s, and(eq(s.workflow_id, w.id), eq(s.company_id, w.company_id))),
      })
      .from(w)
      .where(eq(w.company_id, p('c')))
      .orderBy(desc(w.created_at), desc(w.id))
      .limit(p('limit')),
    'list',
  );
  const workflowById = prepare(
    db
      .select()
      .from(w)
      .where(and(eq(w.id, p('id')), eq(w.company_id, p('c')))),
    'workflow',
  );
  const stepsOf = prepare(
    db
      .select()
      .from(s)
      .where(and(eq(s.workflow_id, p('id')), eq(s.company_id, p('c'))))
      .orderBy(asc(s.step_number)),
    'steps',
  );
  const workflowExists = prepare(
    db
      .select({ one: sql`1` })
      .from(w)
      .where(and(eq(w.id, p('id')), eq(w.company_id, p('c')))),
    'exists',
  );
  const screenshotByHash = prepare(
    db
      .select()
      .from(sc)
      .where(and(eq(sc.company_id, p('c')), eq(sc.hash, p('hash')))),
    'screenshot',
  );
  const unread = prepare(
    db
      .select({ ...getTableColumns(n), cursor_at: timestampText(dialect, n.created_at) })
      .from(n)
      .where(and(eq(n.company_id, p('c')), eq(n.read, pgsql ? sql`false` : sql`0`)))
      .orderBy(desc(n.created_at), desc(n.id))
      .limit(p('limit')),
    'unread',
  );
  // The library's statements (src/lifecycle/health-summary.ts): the window's runs and failed runs
  // counted (the latter from the index of failed runs), values compared as `+?` on SQLite so that
  // better-sqlite3 (built with STAT4) plans the prepared statements once.
  const v = (name: string) => (pgsql ? p(name) : sql`+${p(name)}`);
  const countSince = (since: string, failed: boolean) =>
    sql<number>`(select count(*) from ${h} where ${h.workflow_id} = ${v('id')} and ${h.company_id} = ${v('c')} and ${h.created_at} >= ${v(since)}${failed ? sql` and ${h.status} = 'failed'` : sql``})`;
  const summaryFirst = prepare(
    db
      .select({
        ...getTableColumns(w),
        runs30: countSince('since30', false).as('runs30'),
        failed30: countSince('since30', true).as('failed30'),
        runs7: countSince('since7', false).as('runs7'),
        failed7: countSince('since7', true).as('failed7'),
      })
      .from(w)
      .where(and(eq(w.id, v('id')), eq(w.company_id, v('c')))),
    'summary',
  );
  const recentLogs = prepare(
    db
      .select({ ...getTableColumns(h), cursor_at: timestampText(dialect, h.created_at) })
      .from(h)
      .where(and(eq(h.workflow_id, p('id')), eq(h.company_id, p('c'))))
      .orderBy(desc(h.created_at), desc(h.id))
      .limit(p('limit')),
    'recent',
  );
  const failures = db
    .select({ step_id: h.step_id, failures: count().as('failures'), last_at: max(h.created_at).as('last_at') })
    .from(h)
    .where(
      and(
        eq(h.workflow_id, v('id')),
        eq(h.company_id, v('c')),
        gte(h.created_at, v('since30')),
        eq(h.status, 'failed'),
        isNotNull(h.step_id),
      ),
    )
    .groupBy(h.step_id)
    .as('f');
  const failingSteps = prepare(
    db
      .select({
        step_id: failures.step_id,
        step_number: s.step_number,
        field_label: s.field_label,
        failures: failures.failures,
        last_failure_at: timestampText(dialect, failures.last_at),
      })
      .from(failures)
      .innerJoin(s, eq(s.id, failures.step_id))
      .orderBy(desc(failures.failures), desc(failures.last_at), asc(s.step_number)),
    'failing',
  );

  const workflowValues = (label: string, now: unknown) => ({
    company_id: writer.companyId,
    created_by: writer.userId,
    name: label,
    description: null,
    starting_url: 'https://app.example.test',
    tags: pgsql ? ['bench'] : '["bench"]',
    status: 'processing',
    success_rate: 0,
    total_uses: 0,
    consecutive_failures: 0,
    created_at: now,
    updated_at: now,
    last_successful_run: null,
    last_failed_run: null,
  });
  const stepValues = (workflowId: number, steps: typeof STEPS_50, now: unknown) =>
    steps.map((st, i) => ({
      company_id: writer.companyId,
      workflow_id: workflowId,
      screenshot_id: null,
      edited_by: null,
      step_number: i + 1,
      timestamp: st.timestamp == null ? null : pgsql ? new Date(st.timestamp) : st.timestamp,
      action_type: st.actionType,
      // jsonb columns take values (Drizzle serializes them); SQLite's text columns take JSON text.
      selectors: pgsql ? st.selectors : json(st.selectors),
      element_meta: pgsql ? st.elementMeta : json(st.elementMeta),
      page_context: pgsql ? st.pageContext : json(st.pageContext),
      action_data: pgsql ? st.actionData : json(st.actionData),
      dom_context: pgsql ? (st.domContext ?? null) : json(st.domContext),
      label_edited: bool(false),
      instruction_edited: bool(false),
      created_at: now,
    }));
  const ownedUser = (tx: any) =>
    tx
      .select({ id: u.id })
      .from(u)
      .where(and(eq(u.company_id, writer.companyId), eq(u.id, writer.userId)));

  const create = (label: string, steps: typeof STEPS_50) => {
    if (!pgsql) {
      const now = new Date().toISOString();
      return Promise.resolve(
        db.transaction(
          (tx: any) => {
            if (ownedUser(tx).all().length !== 1) throw new Error('createdBy is not a user of this company');
            const workflow = tx.insert(w).values(workflowValues(label, now)).returning().get();
            tx.insert(s)
              .values(stepValues(workflow.id, steps, now))
              .run();
            return mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES);
          },
          { behavior: 'immediate' },
        ),
      );
    }
    const now = new Date();
    return db.transaction(async (tx: any) => {
      if ((await ownedUser(tx)).length !== 1) throw new Error('createdBy is not a user of this company');
      const [workflow] = await tx.insert(w).values(workflowValues(label, now)).returning();
      await tx.insert(s).values(stepValues(workflow.id, steps, now));
      return mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES);
    });
  };

  const screenshot = (row: Row | undefined, deduplicated: boolean) => ({
    screenshot: row && mapRow(dialect, row, [], ['created_at']),
    deduplicated,
  });
  const screenshotValues = (hash: string) => ({
    company_id: c,
    workflow_id: ids.bigWorkflowId,
    hash,
    storage_key: 'pending',
    storage_url: 'pending',
    file_size: 1000,
    width: 1280,
    height: 800,
    format: 'png',
  });
  const keyOf = (id: number) => `companies/${c}/workflows/${ids.bigWorkflowId}/screenshots/${id}.png`;

  const lockColumns = {
    name: w.name,
    status: w.status,
    consecutive_failures: w.consecutive_failures,
    settings: sql`(select ${co.settings} from ${co} where ${co.id} = ${w.company_id})`,
    user_ok: sql`exists (select 1 from ${u} where ${u.id} = ${ids.userId} and ${u.company_id} = ${w.company_id})`,
  };
  const runUpdate = (now: unknown) => ({
    total_uses: sql`${w.total_uses} + 1`,
    success_rate: sql`(round(${w.success_rate} * ${w.total_uses}) + 1) / (${w.total_uses} + 1)`,
    consecutive_failures: 0,
    last_successful_run: now,
    status: 'active',
    updated_at: now,
  });
  const logValues = (now: unknown) => ({
    company_id: c,
    workflow_id: ids.runWorkflowId,
    step_id: null,
    user_id: ids.userId,
    status: 'success',
    execution_time_ms: 4200,
    created_at: now,
  });
  const runWorkflow = and(eq(w.id, ids.runWorkflowId), eq(w.company_id, c));
  const recorded = (log: Row, workflow: Row) => ({
    log: mapRow(dialect, log, [], ['created_at']),
    workflow: mapRow(dialect, workflow, WORKFLOW_JSON, WORKFLOW_DATES),
    notification: null,
  });

  return {
    'create-workflow-50-steps': (i) => create(`Bench ${tag} ${i}`, STEPS_50),
    'create-workflow-500-steps': (i) => create(`Bench ${tag} ${i}`, STEPS_500),
    'list-workflows-50': async () => workflowPage(dialect, await run(listPage, { c, limit: 51 })),
    'get-workflow-with-50-steps': async () => {
      const params = { id: ids.bigWorkflowId, c };
      const [workflow] = await run(workflowById, params);
      if (!workflow) return null;
      return workflowWithSteps(dialect, workflow, await run(stepsOf, params));
    },
    'dedupe-screenshot': async (i) => {
      const hash = hashFor(ids, tag, i);
      if ((await run(workflowExists, { id: ids.bigWorkflowId, c })).length === 0) {
        throw new Error('workflow of another company');
      }
      const [existing] = await run(screenshotByHash, { c, hash });
      if (existing) return screenshot(existing, true);
      if (!pgsql) {
        return db.transaction(
          (tx: any) => {
            const inserted = tx
              .insert(sc)
              .values(screenshotValues(hash))
              .onConflictDoNothing({ target: [sc.company_id, sc.hash] })
              .returning({ id: sc.id })
              .all();
            if (inserted.length === 1) {
              const key = keyOf(inserted[0].id);
              const row = tx
                .update(sc)
                .set({ storage_key: key, storage_url: key })
                .where(eq(sc.id, inserted[0].id))
                .returning()
                .get();
              return screenshot(row, false);
            }
            return screenshot(screenshotByHash.get({ c, hash }), true);
          },
          { behavior: 'immediate' },
        );
      }
      return db.transaction(async (tx: any) => {
        const inserted = await tx
          .insert(sc)
          .values(screenshotValues(hash))
          .onConflictDoNothing({ target: [sc.company_id, sc.hash] })
          .returning({ id: sc.id });
        if (inserted.length === 1) {
          const key = keyOf(inserted[0].id);
          const [row] = await tx
            .update(sc)
            .set({ storage_key: key, storage_url: key })
            .where(eq(sc.id, inserted[0].id))
            .returning();
          return screenshot(row, false);
        }
        const [row] = await tx
          .select()
          .from(sc)
          .where(and(eq(sc.company_id, c), eq(sc.hash, hash)));
        return screenshot(row, true);
      });
    },
    'record-run': async () => {
      if (!pgsql) {
        const now = new Date().toISOString();
        return db.transaction(
          (tx: any) => {
            const locked = tx
              .update(w)
              .set({ status: sql`${w.status}` })
              .where(runWorkflow)
              .returning(lockColumns)
              .get();
            if (!locked?.user_ok) throw new Error('cross-tenant reference');
            const log = tx.insert(h).values(logValues(now)).returning().get();
            const workflow = tx.update(w).set(runUpdate(now)).where(runWorkflow).returning().get();
            return recorded(log, workflow);
          },
          { behavior: 'immediate' },
        );
      }
      const now = new Date();
      return db.transaction(async (tx: any) => {
        const [locked] = await tx.select(lockColumns).from(w).where(runWorkflow).for('no key update');
        if (!locked?.user_ok) throw new Error('cross-tenant reference');
        const [log] = await tx.insert(h).values(logValues(now)).returning();
        const [workflow] = await tx.update(w).set(runUpdate(now)).where(runWorkflow).returning();
        return recorded(log, workflow);
      });
    },
    'notifications-unread-50': async () => notificationPage(dialect, await run(unread, { c, limit: 51 })),
    'health-summary': async () => {
      const now = Date.now();
      const params = { id: ids.bigWorkflowId, c, since30: at(now - 30 * DAY_MS), since7: at(now - 7 * DAY_MS) };
      const [first] = await run(summaryFirst, params);
      if (!first) return null;
      first.ok30 = Number(first.runs30) - Number(first.failed30);
      first.ok7 = Number(first.runs7) - Number(first.failed7);
      const recent = await run(recentLogs, { id: ids.bigWorkflowId, c, limit: 11 });
      const failing = await run(failingSteps, params);
      return healthSummary(dialect, first, recent, failing);
    },
  };
}
