import fc from 'fast-check';
import { afterAll, beforeAll, expect, it } from 'vitest';
import {
  authenticate,
  createAdmin,
  createCompany,
  type Database,
  dedupeScreenshot,
  joinCompany,
  OverlayDbError,
  openDatabase,
  rotateInviteToken,
} from '../../src/index.js';
import { KNOWN_OPTIONS } from '../../src/reliability/validate-open-options.js';
import { PNG_3X2 } from '../services/image-fixtures.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';
import { type SeededCompany, seedCompany, snapshotAll, sql, stepInput } from '../tenant/fixtures.js';

// Every public entry point gets valid inputs with one part replaced by something hostile (wrong
// type, missing, extra key, huge, deep, NaN/Infinity, bad ids, injection-looking text, control
// characters, lone surrogates, forged cursors, out-of-range dates and ids, JSON keys named after
// Object.prototype members). The property: it resolves, or it rejects with an OverlayDbError of a
// known code and the database is exactly as before. OVERLAY_FUZZ_RUNS scales the runs.
// DATABASE_ERROR is not an accepted outcome: the library refuses bad input itself, and a database
// error here (a lost connection aside, which these runs never cause) is input it failed to check.
const RUNS = Number(process.env.OVERLAY_FUZZ_RUNS ?? 60);
const SLOW_RUNS = Math.max(10, Math.round(RUNS / 3)); // calls that may hash a password (bcrypt cost 12)
const CODES = new Set([
  'TENANT_REQUIRED',
  'NOT_FOUND',
  'CROSS_TENANT_REFERENCE',
  'INVALID_INPUT',
  'DUPLICATE_EMAIL',
  'INVALID_CREDENTIALS',
  'INVALID_INVITE_TOKEN',
  'INVALID_DATABASE_URL',
  'MIGRATION_FAILED',
  'SCHEMA_DRIFT',
]);

const deep = (levels: number): unknown => {
  let v: unknown = 'bottom';
  for (let i = 0; i < levels; i++) v = { a: [v] };
  return v;
};
/** A cursor as this library encodes one, holding whatever values a caller put there. */
const forge = (values: unknown[]): string => Buffer.from(JSON.stringify(values), 'utf8').toString('base64url');
const CURSOR_TIME = '2024-05-01T10:00:00.000000Z';
const FORGED_CURSORS = [
  forge(['garbage', 1]),
  forge([false, 'garbage', 1]),
  forge(['2024-05-01T10:00:00+99:99', 1]),
  forge([false, '2024-05-01T10:00:00+99:99', 1]),
  forge(['+275760-09-13T00:00:00.000Z', 1]),
  forge([CURSOR_TIME, 2 ** 31]),
  forge([false, CURSOR_TIME, 2 ** 31]),
  forge([true, CURSOR_TIME, 2 ** 53 - 1]),
];
const BIG_IDS = [2 ** 31, 2 ** 31 + 1, 2 ** 32, 2 ** 53 - 1];
const HOSTILE_CONSTANTS: unknown[] = [
  undefined,
  null,
  Number.NaN,
  Number.POSITIVE_INFINITY,
  Number.NEGATIVE_INFINITY,
  -1,
  0,
  -0,
  1.5,
  2 ** 53,
  Number.MAX_VALUE,
  10n,
  true,
  '',
  '   ',
  '1',
  "' or 1=1 --",
  '"; drop table users; --',
  "'); delete from workflows; --",
  '\u0000',
  'a\u0000b',
  '\uD800',
  'x\uDC00y',
  '\u0007\u001b[31m\r\n\t',
  'x'.repeat(1_000_001),
  [],
  [1, 2, 3],
  Array.from({ length: 10_001 }, () => 'tag'),
  {},
  { __proto__: { polluted: true } },
  JSON.parse('{"__proto__": {"polluted": true}}'),
  { constructor: 1, toString: 2 },
  { constructor: 'x' },
  { a: [{ constructor: 1, hasOwnProperty: 'y' }] },
  deep(200),
  new Date(Number.NaN),
  new Date(0),
  new Date(8.64e15),
  new Date(-8.64e15),
  '+275760-09-13T00:00:00.000Z',
  ...BIG_IDS,
  ...FORGED_CURSORS,
  () => 1,
  Symbol('s'),
  new Map([[1, 2]]),
  new Uint8Array(4),
  Object.create(null),
];

/** A hostile value: a fixed nasty one, or anything fast-check makes up. */
const hostile: fc.Arbitrary<unknown> = fc.oneof(
  { weight: 3, arbitrary: fc.constantFrom(...HOSTILE_CONSTANTS) },
  {
    weight: 2,
    arbitrary: fc.anything({ withBigInt: true, withDate: true, withMap: true, withSet: true, withTypedArray: true }),
  },
  { weight: 1, arbitrary: fc.string({ unit: 'binary', maxLength: 40 }) },
  { weight: 1, arbitrary: fc.oneof(fc.integer(), fc.double()) },
);

type Mutation = { kind: 'replace'; key: string; value: unknown } | { kind: 'drop'; key: string } | { kind: 'extra' };

/** A cursor decoding to any values: times, ids and flags, valid or not. */
const forgedCursor: fc.Arbitrary<string> = fc
  .tuple(
    fc.boolean(),
    fc.oneof(
      fc.constantFrom(CURSOR_TIME, 'garbage', '2024-05-01T10:00:00+99:99', '2024-02-30T00:00:00Z'),
      fc.date({ noInvalidDate: true }).map((d) => d.toISOString()),
      fc.string(),
    ),
    fc.oneof(fc.integer({ min: 1 }), fc.constantFrom(...BIG_IDS), fc.double()),
  )
  .chain(([read, at, id]) => fc.constantFrom(forge([at, id]), forge([read, at, id])));
/** Dates anywhere in JavaScript's range, most of them outside years 0001-9999. */
const anyDate: fc.Arbitrary<Date> = fc.date({ noInvalidDate: true });
/** JSON objects whose keys are names of Object.prototype members. */
const prototypeKeyedJson: fc.Arbitrary<unknown> = fc.dictionary(
  fc.constantFrom('constructor', 'toString', 'valueOf', 'hasOwnProperty', '__proto__', 'a'),
  fc.oneof(
    fc.jsonValue({ maxDepth: 2 }),
    fc.constant({ constructor: 1 }),
    fc.constant([{ constructor: { prototype: 'x' } }]),
  ),
);

/** Valid `base` changed in one place: a field replaced by a hostile value, dropped, or an unknown key added. */
function mutated<T extends Record<string, unknown>>(
  base: T,
  keys: string[] = Object.keys(base),
): fc.Arbitrary<unknown> {
  const mutation: fc.Arbitrary<Mutation> = fc.oneof(
    {
      weight: 5,
      arbitrary: fc.record({ kind: fc.constant('replace' as const), key: fc.constantFrom(...keys), value: hostile }),
    },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('drop' as const), key: fc.constantFrom(...keys) }) },
    { weight: 1, arbitrary: fc.record({ kind: fc.constant('extra' as const) }) },
  );
  return fc.oneof({ weight: 8, arbitrary: mutation.map((m) => apply(base, m)) }, { weight: 1, arbitrary: hostile });
}
function apply(base: Record<string, unknown>, m: Mutation): Record<string, unknown> {
  const copy = { ...base };
  if (m.kind === 'replace') copy[m.key] = m.value;
  else if (m.kind === 'drop') delete copy[m.key];
  else copy.unexpectedField = 1;
  return copy;
}

/** The property every call must hold. Returns the outcome ('ok' or the error code) for the tally. */
async function holds(db: Database, call: () => unknown): Promise<string> {
  const before = await snapshotAll(db);
  try {
    await call();
    return 'ok';
  } catch (error) {
    if (!(error instanceof OverlayDbError) || !CODES.has(error.code)) {
      const kind = error instanceof OverlayDbError ? `${error.code} (not accepted)` : 'not an OverlayDbError';
      throw new Error(`${kind}: ${(error as Error)?.constructor?.name}: ${(error as Error)?.message}`);
    }
    expect(await snapshotAll(db)).toBe(before);
    return error.code;
  }
}

describeEachDialect('hostile input (property-based)', (dialect) => {
  let db: Database;
  let url: string;
  let dispose: () => Promise<void>;
  let co: SeededCompany;
  let workflowId: number;
  let stepId: number;
  let inviteToken: string;
  const tally = new Map<string, number>();
  const note = (name: string, outcome: string): void => {
    tally.set(`${name} ${outcome}`, (tally.get(`${name} ${outcome}`) ?? 0) + 1);
  };

  beforeAll(async () => {
    const opened = await openTestDatabase(dialect);
    ({ db, dispose } = opened);
    url = opened.target.url;
    co = await seedCompany(db);
    const wf = await db
      .forCompany(co.companyId)
      .workflows.create({ name: 'base', startingUrl: 'https://x.test', steps: [stepInput(), stepInput()] });
    workflowId = wf.id;
    stepId = (await db.forCompany(co.companyId).steps.listByWorkflow(wf.id))[0].id;
    [{ invite_token: inviteToken }] = await sql<{ invite_token: string }>(
      db,
      'select invite_token from companies where id = ?',
      [co.companyId],
    );
  });
  afterAll(async () => {
    console.log(
      `[${dialect}] hostile input outcomes (${RUNS} runs per entry point, ${SLOW_RUNS} for password hashing ones): ` +
        [...tally].map(([k, n]) => `${k}=${n}`).join(', '),
    );
    await dispose?.();
  });

  const prop = (name: string, arb: fc.Arbitrary<unknown[]>, call: (...args: unknown[]) => unknown, runs = RUNS) =>
    fc.assert(
      fc.asyncProperty(arb, async (args) => note(name, await holds(db, () => call(...args)))),
      { numRuns: runs },
    );

  it('db.forCompany and every repository method', async () => {
    const t = () =>
      db.forCompany(co.companyId) as unknown as Record<string, Record<string, (...a: unknown[]) => unknown>>;
    await prop('forCompany', fc.tuple(hostile), (id) => db.forCompany(id as number).workflows.list());
    const id = () =>
      fc.oneof(
        hostile,
        fc.constant(workflowId),
        fc.integer({ min: -5, max: 2 ** 31 + 5 }),
        fc.constantFrom(...BIG_IDS),
      );
    const workflowInput = {
      name: 'n',
      startingUrl: 'https://x.test',
      description: 'd',
      tags: ['a'],
      createdBy: co.userId,
      steps: [stepInput()],
    };
    const calls: [string, string, fc.Arbitrary<unknown[]>][] = [
      ['workflows', 'create', fc.tuple(mutated(workflowInput))],
      [
        'workflows',
        'create',
        fc.tuple(
          fc.record({
            ...Object.fromEntries(Object.entries(workflowInput).map(([k, v]) => [k, fc.constant(v)])),
            steps: fc.tuple(mutated(stepInput() as unknown as Record<string, unknown>)),
          }),
        ),
      ],
      ['workflows', 'get', fc.tuple(id())],
      ['workflows', 'getWithSteps', fc.tuple(id())],
      [
        'workflows',
        'list',
        fc.tuple(mutated({ status: 'active', tag: 'a', createdBy: co.userId, limit: 5, cursor: null })),
      ],
      [
        'workflows',
        'update',
        fc.tuple(
          id(),
          mutated({ name: 'n2', startingUrl: 'https://y.test', description: null, tags: ['b'], status: 'active' }),
        ),
      ],
      ['workflows', 'list', fc.tuple(fc.record({ limit: fc.constant(1), cursor: forgedCursor }))],
      ['workflows', 'delete', fc.tuple(hostile)],
      ['steps', 'listByWorkflow', fc.tuple(id())],
      ['steps', 'get', fc.tuple(fc.oneof(hostile, fc.constant(stepId)))],
      [
        'steps',
        'update',
        fc.tuple(
          fc.oneof(hostile, fc.constant(stepId)),
          mutated({
            fieldLabel: 'l',
            instruction: 'i',
            healingConfidence: 0.5,
            healingMethod: 'ai',
            healedAt: new Date(),
            healedSelectors: { primary: '#a' },
            screenshotId: null,
          }),
          mutated({ editedBy: co.userId }),
        ),
      ],
      [
        'steps',
        'update',
        fc.tuple(
          fc.constant(stepId),
          fc.record(
            {
              healedAt: fc.oneof(
                anyDate,
                anyDate.map((d) => d.toISOString()),
              ),
              healedSelectors: prototypeKeyedJson,
            },
            { requiredKeys: [] },
          ),
        ),
      ],
      [
        'steps',
        'applyLabels',
        fc.tuple(
          id(),
          fc.oneof(
            hostile,
            fc.tuple(mutated({ stepId, fieldLabel: 'l', instruction: 'i', aiConfidence: 0.9, aiModel: 'm' })),
          ),
        ),
      ],
      ['screenshots', 'get', fc.tuple(hostile)],
      ['screenshots', 'listByWorkflow', fc.tuple(id())],
      ['users', 'get', fc.tuple(fc.oneof(hostile, fc.constant(co.userId)))],
      ['users', 'list', fc.tuple(hostile)],
      [
        'healthLogs',
        'record',
        fc.tuple(
          mutated({
            workflowId,
            userId: co.userId,
            status: 'failed',
            stepId,
            errorType: 'element_not_found',
            errorMessage: 'm',
            executionTimeMs: 5,
            pageUrl: 'https://x.test',
          }),
        ),
      ],
      [
        'healthLogs',
        'record',
        fc.tuple(
          fc.record({
            workflowId: fc.constant(workflowId),
            userId: fc.constant(co.userId),
            status: fc.constant('healed_ai'),
            stepId: fc.constant(stepId),
            healedSelectors: prototypeKeyedJson,
          }),
        ),
      ],
      ['healthLogs', 'listByWorkflow', fc.tuple(id(), mutated({ limit: 5, cursor: null }))],
      [
        'healthLogs',
        'listByWorkflow',
        fc.tuple(fc.constant(workflowId), fc.record({ limit: fc.constant(1), cursor: forgedCursor })),
      ],
      ['healthLogs', 'summary', fc.tuple(id())],
      [
        'notifications',
        'create',
        fc.tuple(
          mutated({
            type: 'workflow_broken',
            severity: 'error',
            title: 't',
            message: 'm',
            actionUrl: 'https://x.test',
            workflowId,
          }),
        ),
      ],
      ['notifications', 'list', fc.tuple(mutated({ unreadOnly: true, limit: 5, cursor: null }))],
      ['notifications', 'list', fc.tuple(fc.record({ limit: fc.constant(1), cursor: forgedCursor }))],
      ['notifications', 'markRead', fc.tuple(hostile, fc.oneof(hostile, fc.constant(co.userId)))],
      ['notifications', 'markAllRead', fc.tuple(fc.oneof(hostile, fc.constant(co.userId)))],
    ];
    for (const [repo, method, args] of calls) {
      await prop(`${repo}.${method}`, args, (...a) => t()[repo][method](...a));
    }
  }, 600_000);

  it('the services', async () => {
    await prop('createCompany', fc.tuple(mutated({ name: 'Co', settings: { a: 1 } })), (i) =>
      createCompany(db, i as never),
    );
    await prop('rotateInviteToken', fc.tuple(hostile), (i) => rotateInviteToken(db, i as number));
    await prop(
      'dedupeScreenshot',
      fc.tuple(mutated({ companyId: co.companyId, workflowId, content: PNG_3X2, storageBaseUrl: 'https://cdn.test' })),
      (i) => dedupeScreenshot(db, i as never),
    );
    await prop(
      'dedupeScreenshot(hash)',
      fc.tuple(
        mutated({
          companyId: co.companyId,
          workflowId,
          hash: `sha256:${'a'.repeat(64)}`,
          width: 3,
          height: 2,
          format: 'png',
          fileSize: 10,
        }),
      ),
      (i) => dedupeScreenshot(db, i as never),
    );
    // Valid enough to reach bcrypt only when the hostile value lands on an optional field.
    await prop(
      'createAdmin',
      fc.tuple(mutated({ companyId: co.companyId, email: 'taken@example.com', password: 'pass word 12', name: 'N' })),
      (i) => createAdmin(db, i as never),
      SLOW_RUNS,
    );
    await prop(
      'joinCompany',
      fc.tuple(mutated({ inviteToken, email: 'join@example.com', password: 'pass word 12', name: 'N' })),
      (i) => joinCompany(db, i as never),
      SLOW_RUNS,
    );
    await prop(
      'authenticate',
      fc.tuple(mutated({ email: 'nobody@example.com', password: 'pass word 12' })),
      (i) => authenticate(db, i as never),
      SLOW_RUNS,
    );
    await prop('services(db)', fc.tuple(hostile), (target) => createCompany(target as Database, { name: 'x' }));
  }, 600_000);

  it('migrator.up and migrator.down options', async () => {
    // Its own database: a down that succeeds drops the tables, and with them the shared fixtures.
    const own = await openTestDatabase(dialect);
    const mdb = own.db;
    await seedCompany(mdb);
    try {
      const options = fc.oneof(mutated({ to: 'head' }), mutated({ steps: 1 }), mutated({ to: 'base' }));
      await fc.assert(
        fc.asyncProperty(options, async (o) =>
          note('migrator.up', await holds(mdb, () => mdb.migrator.up(o as never))),
        ),
        { numRuns: RUNS },
      );
      // A down that succeeds reverts the schema: re-apply before the next run compares snapshots.
      const current = await mdb.migrator.current();
      await fc.assert(
        fc.asyncProperty(options, async (o) => {
          const outcome = await holds(mdb, async () => {
            try {
              await mdb.migrator.down(o as never);
            } catch (error) {
              expect(await mdb.migrator.current()).toBe(current);
              throw error;
            }
            await mdb.migrator.up();
          });
          note('migrator.down', outcome);
        }),
        { numRuns: Math.round(RUNS / 2) },
      );
    } finally {
      await own.dispose();
    }
  }, 600_000);

  it('openDatabase options', async () => {
    const base = {
      url,
      migrate: false,
      debug: false,
      logger: () => undefined,
      busyTimeoutMs: 1000,
      pool: { min: 0, max: 2 },
    };
    await fc.assert(
      fc.asyncProperty(
        // Every option but mikroOrm, which is passed to MikroORM as it is, by design.
        mutated(
          base,
          KNOWN_OPTIONS.filter((key) => key !== 'mikroOrm'),
        ),
        async (options) => {
          // A missing url falls back to DATABASE_URL: point it at this test database, never ./app.db.
          const previous = process.env.DATABASE_URL;
          process.env.DATABASE_URL = url;
          try {
            const outcome = await holds(db, async () => {
              const opened = await openDatabase(options as never);
              await opened.close();
            });
            note('openDatabase', outcome);
          } finally {
            if (previous === undefined) delete process.env.DATABASE_URL;
            else process.env.DATABASE_URL = previous;
          }
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);

  it('valid text round-trips byte for byte (any well-formed Unicode, injection-looking, control characters)', async () => {
    const t = db.forCompany(co.companyId);
    const text = fc
      .oneof(
        fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }),
        fc.constantFrom(
          "' or 1=1 --",
          '"; drop table users; --',
          '\u0007\u001b[31m\r\n\t',
          '😀 e\u0301 \u202e',
          'x'.repeat(500),
        ),
      )
      .filter((s) => s.trim() !== '' && !s.includes('\u0000'));
    await fc.assert(
      fc.asyncProperty(
        text,
        text,
        fc.array(
          text.filter((s) => s.length <= 100),
          { maxLength: 5 },
        ),
        async (name, description, tags) => {
          const safeName = name;
          const wf = await t.workflows.create({
            name: safeName,
            description,
            startingUrl: 'https://x.test',
            tags,
            // Step text goes to PostgreSQL inside one JSON array (see src/dialects/postgresql/tenant-sql.ts).
            steps: [stepInput({ actionType: 'click', timestamp: name, selectors: { primary: description, tags } })],
          });
          const [step] = (await t.workflows.getWithSteps(wf.id))?.steps ?? [];
          expect(step?.timestamp).toBe(name);
          expect(step?.selectors).toEqual({ primary: description, tags });
          const again = await t.workflows.get(wf.id);
          expect(Buffer.from(again?.name ?? '', 'utf8').equals(Buffer.from(safeName, 'utf8'))).toBe(true);
          expect(again?.name).toBe(safeName);
          expect(again?.description).toBe(description);
          expect(again?.tags).toEqual(wf.tags);
          const [row] = await sql<{ name: string; description: string }>(
            db,
            'select name, description from workflows where id = ?',
            [wf.id],
          );
          expect(row).toEqual({ name: safeName, description });
        },
      ),
      { numRuns: RUNS },
    );
  }, 600_000);
});
