import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  type Database,
  HEALTH_STATUSES,
  OverlayDbError,
  type TenantScope,
  WORKFLOW_STATUSES,
} from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import {
  crossCompanyReferences,
  type SeededCompany,
  seedCompany,
  seedScreenshot,
  snapshotCompany,
  sql,
  stepInput,
} from './fixtures.js';

const COMPANIES = 3;
const RUNS = Number(process.env.TENANT_PROPERTY_RUNS ?? 60);
// A fixed seed by default, so that the share of successful calls asserted below is the same on
// every run; TENANT_PROPERTY_SEED explores other sequences (fast-check prints the seed of a failure).
const SEED = Number(process.env.TENANT_PROPERTY_SEED ?? 20_261_202);
// Every method must succeed in at least this share of its calls: a property run made only of
// refusals would prove isolation of nothing but the checks that refuse.
const MIN_SUCCESS_SHARE = 1 / 3;
const MISSING = 1_999_999_999;

type Table = 'users' | 'workflows' | 'steps' | 'screenshots' | 'notifications';
const TABLES: Table[] = ['users', 'workflows', 'steps', 'screenshots', 'notifications'];

/** Every id of a table, with its company (and a step's workflow), read straight from the database. */
type Row = { id: number; company: number; workflow?: number };
type Pools = Record<Table, Row[]>;

/** One generated call: which company calls, what, and numbers that pick the ids it names. */
interface Op {
  company: number;
  /** Whether the ids the call names are drawn from the caller's own rows only (so that it can succeed). */
  own: boolean;
  kind: (typeof KINDS)[number];
  picks: number[];
  flags: boolean[];
  status: (typeof WORKFLOW_STATUSES)[number];
  run: (typeof HEALTH_STATUSES)[number];
  text: string;
}

const KINDS = [
  'workflows.create',
  'workflows.get',
  'workflows.getWithSteps',
  'workflows.list',
  'workflows.update',
  'workflows.delete',
  'steps.listByWorkflow',
  'steps.get',
  'steps.update',
  'steps.applyLabels',
  'screenshots.get',
  'screenshots.listByWorkflow',
  'users.get',
  'users.list',
  'healthLogs.record',
  'healthLogs.listByWorkflow',
  'notifications.create',
  'notifications.list',
  'notifications.markRead',
  'notifications.markAllRead',
] as const;

// Calls that write, or that name a second row, are drawn three times as often as plain reads;
// deletes only as often as reads, so that the companies keep rows for the other calls to name.
const WRITES = new Set<string>([
  'workflows.create',
  'workflows.update',
  'steps.update',
  'steps.applyLabels',
  'healthLogs.record',
  'notifications.create',
  'notifications.markRead',
  'notifications.markAllRead',
]);

const opArbitrary: fc.Arbitrary<Op> = fc.record({
  company: fc.integer({ min: 0, max: COMPANIES - 1 }),
  // Two calls in three name only the caller's rows; the third names rows of any company or none.
  own: fc.oneof({ arbitrary: fc.constant(true), weight: 2 }, { arbitrary: fc.constant(false), weight: 1 }),
  kind: fc.oneof(...KINDS.map((kind) => ({ arbitrary: fc.constant(kind), weight: WRITES.has(kind) ? 3 : 1 }))),
  picks: fc.array(fc.nat(), { minLength: 4, maxLength: 4 }),
  flags: fc.array(fc.boolean(), { minLength: 4, maxLength: 4 }),
  status: fc.constantFrom(...WORKFLOW_STATUSES),
  run: fc.constantFrom(...HEALTH_STATUSES),
  text: fc.string({ minLength: 1, maxLength: 12 }).filter((s) => s.trim() !== ''),
});

// The property: whatever sequence of calls companies make, with ids drawn from every company
// (and ids that exist nowhere), each call only returns the caller's rows, a call naming another
// company's row behaves as if that row did not exist, and no other company's rows change at all.
describeEachDialect('tenant isolation (property-based)', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  const companies: SeededCompany[] = [];
  let scopes: TenantScope[] = [];

  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    for (let i = 0; i < COMPANIES; i++) companies.push(await seedCompany(db, `Company ${i}`));
    scopes = companies.map((c) => db.forCompany(c.companyId));
    for (const [i, c] of companies.entries()) {
      const t = scopes[i];
      for (let w = 0; w < 2; w++) {
        const wf = await t.workflows.create({
          name: `Seed ${i}.${w}`,
          startingUrl: 'u',
          tags: ['seed'],
          steps: [stepInput(), stepInput()],
        });
        const shot = await seedScreenshot(db, c.companyId, wf.id);
        const [step] = await t.steps.listByWorkflow(wf.id);
        await t.steps.update(step.id, { screenshotId: shot });
        await t.healthLogs.record({ workflowId: wf.id, userId: c.userId, status: 'success' });
        await t.notifications.create({ type: 'low_confidence', title: 'Seed', workflowId: wf.id });
      }
    }
  });
  afterAll(async () => dispose());

  async function pools(): Promise<Pools> {
    const out = {} as Pools;
    for (const table of TABLES) {
      const rows = await sql<{ id: number; company_id: number; workflow_id?: number }>(
        db,
        `select "id", "company_id"${table === 'steps' ? ', "workflow_id"' : ''} from "${table}" order by "id"`,
      );
      out[table] = rows.map((r) => ({
        id: Number(r.id),
        company: Number(r.company_id),
        ...(r.workflow_id === undefined ? {} : { workflow: Number(r.workflow_id) }),
      }));
    }
    return out;
  }

  /**
   * The id the n-th pick names: for an `own` call one of the caller's rows of `table` (`only`: a
   * step of that workflow, or a workflow that has steps); otherwise any company's row, or an id
   * that exists nowhere.
   */
  function pick(
    p: Pools,
    table: Table,
    n: number,
    op: Op,
    only?: number | 'with steps',
  ): { id: number; company: number | null; workflow?: number } {
    const me = companies[op.company].companyId;
    const fits = (r: Row) =>
      only === undefined || (only === 'with steps' ? p.steps.some((s) => s.workflow === r.id) : r.workflow === only);
    const pool = op.own ? p[table].filter((r) => r.company === me && fits(r)) : p[table];
    const i = n % (pool.length + (op.own && pool.length > 0 ? 0 : 1));
    return i === pool.length ? { id: MISSING, company: null } : pool[i];
  }

  /** Every row object (entity) in a result; plain objects and arrays are searched, entities only for attached steps. */
  function rowsIn(value: unknown, out: { company: { id: number } }[] = []) {
    if (Array.isArray(value)) for (const v of value) rowsIn(v, out);
    else if (value && typeof value === 'object') {
      if (Object.getPrototypeOf(value) === Object.prototype) for (const v of Object.values(value)) rowsIn(v, out);
      else if ('company' in value) {
        out.push(value as { company: { id: number } });
        // getWithSteps returns the workflow entity with its steps attached.
        const steps = (value as { steps?: unknown }).steps;
        if (Array.isArray(steps)) rowsIn(steps, out);
      }
    }
    return out;
  }

  /**
   * Runs one op. `foreignTarget`: the row the call reads or writes is not the caller's;
   * `foreignRef`: a row the call would point at is not the caller's.
   */
  async function execute(op: Op, p: Pools) {
    const me = companies[op.company].companyId;
    const t = scopes[op.company];
    const [a, b, c] = op.picks;
    const [f1, f2] = op.flags;
    const mine = (x: { company: number | null }) => x.company === me;
    switch (op.kind) {
      case 'workflows.create': {
        const user = pick(p, 'users', a, op);
        const shot = pick(p, 'screenshots', b, op);
        const call = () =>
          t.workflows.create({
            name: op.text,
            startingUrl: 'https://x.example',
            tags: [op.text],
            createdBy: f1 ? user.id : undefined,
            // Always a step, so that the step calls have rows of every company to name.
            steps: f2 ? [stepInput(), stepInput({ screenshotId: shot.id })] : [stepInput()],
          });
        return { call, foreignRef: (f1 && !mine(user)) || (f2 && !mine(shot)) };
      }
      case 'workflows.get':
      case 'workflows.getWithSteps': {
        const wf = pick(p, 'workflows', a, op);
        return {
          call: () => (op.kind === 'workflows.get' ? t.workflows.get(wf.id) : t.workflows.getWithSteps(wf.id)),
          read: !mine(wf),
        };
      }
      case 'workflows.list': {
        const user = pick(p, 'users', a, op);
        const call = async () => {
          const options = {
            limit: 1 + (b % 3),
            ...(f1 ? { createdBy: user.id } : {}),
            ...(f2 ? { tag: 'seed' } : {}),
          };
          const first = await t.workflows.list(options);
          const second = first.nextCursor ? await t.workflows.list({ ...options, cursor: first.nextCursor }) : null;
          return [first, second];
        };
        return { call, emptyIf: f1 && !mine(user) };
      }
      case 'workflows.update': {
        const wf = pick(p, 'workflows', a, op);
        const patch = f1 ? { name: op.text, status: op.status } : { description: op.text, tags: [op.text] };
        return { call: () => t.workflows.update(wf.id, patch), foreignTarget: !mine(wf) };
      }
      case 'workflows.delete': {
        const wf = pick(p, 'workflows', a, op);
        return { call: () => t.workflows.delete(wf.id), foreignTarget: !mine(wf) };
      }
      case 'steps.listByWorkflow': {
        const wf = pick(p, 'workflows', a, op);
        return { call: () => t.steps.listByWorkflow(wf.id), emptyIf: !mine(wf) };
      }
      case 'steps.get': {
        const step = pick(p, 'steps', a, op);
        return { call: () => t.steps.get(step.id), read: !mine(step) };
      }
      case 'steps.update': {
        const step = pick(p, 'steps', a, op);
        const user = pick(p, 'users', b, op);
        const shot = pick(p, 'screenshots', c, op);
        const call = () =>
          t.steps.update(step.id, f1 ? { fieldLabel: op.text } : { screenshotId: shot.id, healingConfidence: 0.5 }, {
            editedBy: f2 ? user.id : undefined,
          });
        return {
          call,
          foreignTarget: !mine(step),
          foreignRef: (f2 && !mine(user)) || (!f1 && !mine(shot)),
        };
      }
      case 'steps.applyLabels': {
        const wf = pick(p, 'workflows', a, op, 'with steps');
        const step = pick(p, 'steps', b, op, op.own ? wf.id : undefined);
        const call = () =>
          t.steps.applyLabels(wf.id, [
            { stepId: step.id, fieldLabel: op.text, instruction: op.text, aiConfidence: 0.9, aiModel: 'm' },
          ]);
        return { call, foreignTarget: !mine(wf), foreignRef: !mine(step) };
      }
      case 'screenshots.get': {
        const shot = pick(p, 'screenshots', a, op);
        return { call: () => t.screenshots.get(shot.id), read: !mine(shot) };
      }
      case 'screenshots.listByWorkflow': {
        const wf = pick(p, 'workflows', a, op);
        return { call: () => t.screenshots.listByWorkflow(wf.id), emptyIf: !mine(wf) };
      }
      case 'users.get': {
        const user = pick(p, 'users', a, op);
        return { call: () => t.users.get(user.id), read: !mine(user) };
      }
      case 'users.list':
        return { call: () => t.users.list() };
      case 'healthLogs.record': {
        const wf = pick(p, 'workflows', a, op, f1 ? 'with steps' : undefined);
        const user = pick(p, 'users', b, op);
        const step = pick(p, 'steps', c, op, op.own ? wf.id : undefined);
        const call = () =>
          t.healthLogs.record({
            workflowId: wf.id,
            userId: user.id,
            status: op.run,
            stepId: f1 ? step.id : undefined,
          });
        return { call, foreignRef: !mine(wf) || !mine(user) || (f1 && !mine(step)) };
      }
      case 'healthLogs.listByWorkflow': {
        const wf = pick(p, 'workflows', a, op);
        return { call: () => t.healthLogs.listByWorkflow(wf.id), emptyIf: !mine(wf) };
      }
      case 'notifications.create': {
        const wf = pick(p, 'workflows', a, op);
        const call = () =>
          t.notifications.create({ type: 'workflow_healed', title: op.text, workflowId: f1 ? wf.id : undefined });
        return { call, foreignRef: f1 && !mine(wf) };
      }
      case 'notifications.list':
        return { call: () => t.notifications.list({ unreadOnly: f1 }) };
      case 'notifications.markRead': {
        const n = pick(p, 'notifications', a, op);
        const user = pick(p, 'users', b, op);
        return {
          call: () => t.notifications.markRead(n.id, user.id),
          foreignTarget: !mine(n),
          foreignRef: !mine(user),
        };
      }
      case 'notifications.markAllRead': {
        const user = pick(p, 'users', a, op);
        return { call: () => t.notifications.markAllRead(user.id), foreignRef: !mine(user) };
      }
    }
  }

  it(`holds for ${RUNS} random sequences of calls by ${COMPANIES} companies`, async () => {
    let sequences = 0;
    let operations = 0;
    const outcomes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(fc.array(opArbitrary, { minLength: 1, maxLength: 8 }), async (ops) => {
        sequences += 1;
        for (const op of ops) {
          operations += 1;
          const me = companies[op.company].companyId;
          const others = companies.map((c) => c.companyId).filter((id) => id !== me);
          const before = await Promise.all(others.map((id) => snapshotCompany(db, id)));
          const p = await pools();
          const { call, read, emptyIf, foreignTarget, foreignRef } = {
            read: false,
            emptyIf: false,
            foreignTarget: false,
            foreignRef: false,
            ...(await execute(op, p)),
          };
          let result: unknown;
          let error: unknown;
          try {
            result = await call();
          } catch (e) {
            error = e;
          }
          // A read that found nothing resolved, but did not succeed at reading anything.
          const outcome = error ? (error as OverlayDbError).code : result === null ? 'null' : 'ok';
          outcomes[`${op.kind} ${outcome}`] = (outcomes[`${op.kind} ${outcome}`] ?? 0) + 1;

          // Failures are this library's errors, and only the kinds a tenant check or validation gives.
          if (error) {
            expect(error, `${op.kind}: ${String(error)}`).toBeInstanceOf(OverlayDbError);
            expect(['NOT_FOUND', 'CROSS_TENANT_REFERENCE', 'INVALID_INPUT']).toContain((error as OverlayDbError).code);
          }
          // Another company's row is invisible to reads and untouchable by writes.
          if (read) expect(result, op.kind).toBeNull();
          if (emptyIf) expect(rowsIn(result), op.kind).toEqual([]);
          if (foreignTarget || foreignRef) {
            expect(error, `${op.kind} with another company's id succeeded`).toBeDefined();
            expect(['NOT_FOUND', 'CROSS_TENANT_REFERENCE']).toContain((error as OverlayDbError).code);
          }
          // Every row returned is the caller's.
          for (const row of rowsIn(result)) expect(row.company.id, op.kind).toBe(me);
          // No other company's rows changed, read straight from the database.
          const after = await Promise.all(others.map((id) => snapshotCompany(db, id)));
          expect(after, `${op.kind} changed another company's rows`).toEqual(before);
          // And no row of any company points at another company's row.
          expect(await crossCompanyReferences(db), op.kind).toEqual([]);
        }
      }),
      // No shrinking: each replay would run against a database the failed run already changed,
      // and the first counterexample (with its seed) is the useful report.
      { numRuns: RUNS, endOnFailure: true, seed: SEED },
    );
    console.log(
      `[${dialect}] tenant isolation property: ${sequences} sequences, ${operations} operations (numRuns ${RUNS}); outcomes:`,
      Object.entries(outcomes)
        .sort()
        .map(([k, v]) => `${k}=${v}`)
        .join(', '),
    );
    expect(sequences).toBeGreaterThanOrEqual(RUNS);
    for (const kind of KINDS) {
      const calls = Object.entries(outcomes).filter(([k]) => k.split(' ')[0] === kind);
      const total = calls.reduce((sum, [, n]) => sum + n, 0);
      const ok = outcomes[`${kind} ok`] ?? 0;
      expect(total, `${kind} was never called`).toBeGreaterThan(0);
      expect(ok / total, `${kind} succeeded in ${ok} of ${total} calls`).toBeGreaterThanOrEqual(MIN_SUCCESS_SHARE);
    }
  });
});
