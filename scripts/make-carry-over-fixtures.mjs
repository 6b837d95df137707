#!/usr/bin/env node
// Makes test/fixtures/carry-over: databases written by the 0.1 release (commit 4be5308: MikroORM 6,
// the sqlite3 driver, Node 20) through its own public API, one per dialect, and what that release
// reads back from each, for test/migrations/data-carries-over.test.ts. Run it with the 0.1 build,
// from a worktree of that commit (see test/fixtures/carry-over/README.md):
//
//   git worktree add /tmp/old-release 4be5308
//   (cd /tmp/old-release && npm ci && npm run build)      # on Node 20
//   node scripts/make-carry-over-fixtures.mjs /tmp/old-release
//   git worktree remove /tmp/old-release --force
//
// PostgreSQL: a scratch database on OVERLAY_TEST_PG_URL (default postgresql://postgres@127.0.0.1:5432/test),
// dumped with the pg_dump on PATH and dropped afterwards.
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const RELEASE_COMMIT = '4be5308';
const HERE = dirname(fileURLToPath(import.meta.url));
const OUT = resolve(process.argv[3] ?? join(HERE, '..', 'test', 'fixtures', 'carry-over'));
const ADMIN_URL = process.env.OVERLAY_TEST_PG_URL ?? 'postgresql://postgres@127.0.0.1:5432/test';

const release = process.argv[2] && resolve(process.argv[2]);
if (!release || !existsSync(join(release, 'dist', 'index.js'))) {
  console.error('usage: node scripts/make-carry-over-fixtures.mjs <built worktree of 4be5308> [out dir]');
  process.exit(2);
}
const head = execFileSync('git', ['-C', release, 'rev-parse', 'HEAD'], { encoding: 'utf8' }).trim();
if (!head.startsWith(RELEASE_COMMIT)) {
  console.error(`${release} is at ${head}, not the 0.1 release ${RELEASE_COMMIT}`);
  process.exit(2);
}

const lib = await import(pathToFileURL(join(release, 'dist', 'index.js')).href);
const requireFromRelease = createRequire(join(release, 'package.json'));
const pg = requireFromRelease('pg');
const mikroOrmVersion = requireFromRelease('@mikro-orm/core/package.json').version;

// A 1×1 PNG: readImageHeader takes format, width and height from it.
const PNG = Buffer.from(
  'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
  'base64',
);
const JPEG_HASH = `sha256:${'0123456789abcdef'.repeat(4)}`;

/** Writes the rows through the 0.1 API; returns the credentials and ids the test needs. */
async function populate(db) {
  const acme = await lib.createCompany(db, { name: 'Acme Corp', settings: { brokenAfterFailures: 2, theme: 'dark' } });
  const globex = await lib.createCompany(db, { name: 'Globex — Zürich', settings: {} });
  const credentials = [];
  const user = async (create, input, companyId) => {
    const u = await create(db, input);
    credentials.push({ companyId, userId: u.id, email: input.email, password: input.password });
    return u;
  };
  const alice = await user(
    lib.createAdmin,
    { companyId: acme.id, email: 'alice@acme.test', password: 'alice-correct-horse-7', name: 'Alice Admin' },
    acme.id,
  );
  const bob = await user(
    lib.joinCompany,
    { inviteToken: acme.inviteToken, email: '  Bob.Builder@ACME.test ', password: 'bob builds 42', name: null },
    acme.id,
  );
  const carol = await user(
    lib.createAdmin,
    { companyId: globex.id, email: 'carol@globex.test', password: 'carol-s3cret-pass', name: 'Carol Ünïcode' },
    globex.id,
  );
  const dan = await user(
    lib.joinCompany,
    { inviteToken: globex.inviteToken, email: 'dan@globex.test', password: 'dan-the-man-99', name: 'Dan' },
    globex.id,
  );

  const a = db.forCompany(acme.id);
  const g = db.forCompany(globex.id);

  const expense = await a.workflows.create({
    name: 'Submit an expense report',
    description: 'Monthly expenses, with "quotes" and ünïcode ✓',
    startingUrl: 'https://expenses.example.test/new',
    tags: ['finance', 'monthly', 'ünïcode'],
    createdBy: alice.id,
    steps: [
      {
        stepNumber: 1,
        timestamp: '2025-03-01T09:15:00.123Z',
        actionType: 'navigate',
        selectors: { primary: 'body' },
        elementMeta: { tag_name: 'body' },
        pageContext: {
          url: 'https://expenses.example.test/new',
          title: 'New expense',
          viewport: { width: 1280, height: 720 },
        },
      },
      {
        stepNumber: 2,
        timestamp: '2025-03-01T09:15:04.5Z',
        actionType: 'input_commit',
        selectors: {
          primary: '#amount',
          css: 'form > input#amount[data-kind="money"]',
          xpath: "//input[@id='amount']",
          data_testid: null,
          stable_attrs: { name: 'amount', 'aria-label': 'Betrag €', nested: { deep: [1, 2.5, true, null, 'x'] } },
        },
        elementMeta: { tag_name: 'input', type: 'number', name: 'amount', role: null },
        pageContext: { url: 'https://expenses.example.test/new', title: 'New expense', page_state_hash: 'abc123' },
        actionData: { input_value: '42.00', extra: { keys: ['4', '2', '.', '0', '0'] } },
        domContext: { element_html: '<input id="amount" type="number">', parent_html: '<form>…</form>' },
      },
      {
        stepNumber: 3,
        actionType: 'click',
        selectors: { primary: 'button[type=submit]', css: 'button.primary' },
        elementMeta: { tag_name: 'button', role: 'button' },
        pageContext: { url: 'https://expenses.example.test/new', title: 'New expense' },
        actionData: { click_coordinates: { x: 640, y: 512 } },
      },
    ],
  });
  const shot = await lib.dedupeScreenshot(db, {
    companyId: acme.id,
    workflowId: expense.id,
    content: PNG,
    storageBaseUrl: 'https://cdn.example.test',
  });
  const shotByHash = await lib.dedupeScreenshot(db, {
    companyId: acme.id,
    workflowId: expense.id,
    hash: JPEG_HASH,
    storageUrl: 'https://cdn.example.test/manual.jpg',
    fileSize: 2048,
    width: 800,
    height: 600,
    format: 'jpeg',
  });
  const login = await a.workflows.create({
    name: 'Log in',
    startingUrl: 'https://app.example.test/login',
    tags: [],
    steps: [
      {
        actionType: 'input_commit',
        selectors: { primary: 'input[name="email"]' },
        elementMeta: { tag_name: 'input', type: 'email' },
        pageContext: { url: 'https://app.example.test/login' },
        actionData: { input_value: 'someone@example.test' },
        screenshotId: shot.screenshot.id,
      },
      {
        actionType: 'submit',
        selectors: { primary: 'form#login' },
        elementMeta: { tag_name: 'form' },
        pageContext: { url: 'https://app.example.test/login' },
        screenshotId: shotByHash.screenshot.id,
      },
    ],
  });
  const loginSteps = await a.steps.listByWorkflow(login.id);
  await a.steps.applyLabels(login.id, [
    {
      stepId: loginSteps[0].id,
      fieldLabel: 'Email',
      instruction: 'Type your email',
      aiConfidence: 0.92,
      aiModel: 'model-a',
    },
    {
      stepId: loginSteps[1].id,
      fieldLabel: 'Sign in',
      instruction: 'Submit the form',
      aiConfidence: 0.5,
      aiModel: 'model-a',
    },
  ]);
  await a.steps.update(loginSteps[1].id, { instruction: 'Press “Sign in”' }, { editedBy: alice.id });
  await a.workflows.create({ name: 'Empty draft', startingUrl: 'https://app.example.test/' });

  // expense: active, two runs, a trusted heal of step 2, then two failures in a row: broken (notification).
  const expenseSteps = await a.steps.listByWorkflow(expense.id);
  await a.steps.applyLabels(
    expense.id,
    expenseSteps.map((s) => ({
      stepId: s.id,
      fieldLabel: `Field ${s.stepNumber}`,
      instruction: `Fill field ${s.stepNumber}`,
      aiConfidence: 0.8,
      aiModel: 'model-b',
    })),
  );
  await a.workflows.update(expense.id, {
    status: 'active',
    description: 'Monthly expenses, with "quotes" and ünïcode ✓',
  });
  await a.healthLogs.record({ workflowId: expense.id, userId: bob.id, status: 'success', executionTimeMs: 5120 });
  await a.healthLogs.record({
    workflowId: expense.id,
    userId: alice.id,
    status: 'healed_ai',
    stepId: expenseSteps[1].id,
    healingConfidence: 0.91,
    deterministicScore: 77,
    aiConfidence: 0.875,
    candidatesEvaluated: 12,
    pageStateHash: 'ps-1',
    pageUrl: 'https://expenses.example.test/new?x=1',
    executionTimeMs: 8001,
    healedSelectors: { previous_primary: '#amount', healed_primary: 'input[name="amount"]', score: [0.9, 0.1] },
  });
  for (const errorMessage of ['Element #submit not found', 'Timed out after 30 s']) {
    await a.healthLogs.record({
      workflowId: expense.id,
      userId: bob.id,
      status: 'failed',
      stepId: expenseSteps[2].id,
      errorType: errorMessage.startsWith('Timed') ? 'timeout' : 'element_not_found',
      errorMessage,
      executionTimeMs: 30000,
    });
  }
  const manual = await a.notifications.create({
    type: 'high_failure_rate',
    title: 'Expense report fails often',
    message: 'Two failures in a row',
    actionUrl: '/workflows/expense',
    workflowId: expense.id,
  });
  await a.notifications.markRead(manual.id, alice.id);

  const order = await g.workflows.create({
    name: 'Place an order',
    startingUrl: 'https://shop.globex.test/',
    tags: ['shop'],
    createdBy: carol.id,
    steps: [
      {
        actionType: 'select_change',
        selectors: { primary: 'select#size' },
        elementMeta: { tag_name: 'select', name: 'size' },
        pageContext: { url: 'https://shop.globex.test/', title: 'Shop' },
        actionData: { input_value: 'XL' },
      },
      {
        actionType: 'click',
        selectors: { primary: '#buy' },
        elementMeta: { tag_name: 'button' },
        pageContext: { url: 'https://shop.globex.test/' },
      },
    ],
  });
  await lib.dedupeScreenshot(db, { companyId: globex.id, workflowId: order.id, content: PNG });
  const orderSteps = await g.steps.listByWorkflow(order.id);
  await g.steps.applyLabels(
    order.id,
    orderSteps.map((s) => ({
      stepId: s.id,
      fieldLabel: null,
      instruction: `Do step ${s.stepNumber}`,
      aiConfidence: 0.66,
      aiModel: 'model-c',
    })),
  );
  await g.healthLogs.record({ workflowId: order.id, userId: dan.id, status: 'success', executionTimeMs: 900 });
  await g.healthLogs.record({
    workflowId: order.id,
    userId: carol.id,
    status: 'healed_deterministic',
    stepId: orderSteps[1].id,
    healingConfidence: 0.7,
    deterministicScore: 64,
  });
  await g.healthLogs.record({
    workflowId: order.id,
    userId: dan.id,
    status: 'failed',
    errorType: 'navigation_error',
    errorMessage: 'net::ERR_NAME_NOT_RESOLVED',
  });

  // Last, so their lastLoginAt stays as read below.
  await lib.authenticate(db, { email: 'alice@acme.test', password: 'alice-correct-horse-7' });
  await lib.authenticate(db, { email: 'dan@globex.test', password: 'dan-the-man-99' });

  return {
    companies: [
      {
        id: acme.id,
        name: acme.name,
        settings: acme.settings,
        createdAt: acme.createdAt.toISOString(),
        inviteToken: acme.inviteToken,
      },
      {
        id: globex.id,
        name: globex.name,
        settings: globex.settings,
        createdAt: globex.createdAt.toISOString(),
        inviteToken: globex.inviteToken,
      },
    ],
    credentials,
  };
}

/** Everything a company's tenant scope reads, as plain JSON (dates as ISO text, references as ids). */
async function readBack(db, companyId) {
  const t = db.forCompany(companyId);
  // Every page of each keyset-paginated list, with the cursor 0.1 handed out for it.
  const pagesOf = async (read, limit) => {
    const pages = [];
    for (let cursor = null; ; ) {
      const page = await read(cursor === null ? { limit } : { limit, cursor });
      pages.push({ cursor, ids: page.items.map((item) => item.id) });
      cursor = page.nextCursor;
      if (cursor === null) return pages;
    }
  };
  const listed = (await t.workflows.list({ limit: 100 })).items;
  const list = listed.map((w) => ({ id: w.id, stepCount: w.stepCount }));
  const pages = {
    workflows: await pagesOf((o) => t.workflows.list(o), 2),
    notifications: await pagesOf((o) => t.notifications.list(o), 1),
    healthLogs: {},
  };
  const workflows = [];
  const screenshots = {};
  const healthLogs = {};
  const summaries = {};
  for (const { id } of list) {
    workflows.push(plain(await t.workflows.getWithSteps(id)));
    screenshots[id] = plain(await t.screenshots.listByWorkflow(id));
    healthLogs[id] = plain((await t.healthLogs.listByWorkflow(id, { limit: 100 })).items);
    pages.healthLogs[id] = await pagesOf((o) => t.healthLogs.listByWorkflow(id, o), 1);
    // The 7- and 30-day windows move with the clock; the rest of the summary does not.
    const { last7Days, last30Days, failingSteps, ...summary } = await t.healthLogs.summary(id);
    summaries[id] = plain(summary);
  }
  const notifications = plain((await t.notifications.list({ limit: 100 })).items);
  return {
    users: plain(await t.users.list()),
    list,
    workflows,
    screenshots,
    healthLogs,
    summaries,
    notifications,
    pages,
  };
}

// MikroORM's toJSON: references as their id, dates as ISO text, hidden properties left out.
const plain = (value) => JSON.parse(JSON.stringify(value));

async function makeDatabase(url, label) {
  const db = await lib.openDatabase({ url, migrate: true });
  try {
    const { companies, credentials } = await populate(db);
    const tenants = {};
    for (const c of companies) tenants[c.id] = await readBack(db, c.id);
    const check = await db.migrator.check();
    if (!check.inSync) throw new Error(`${label}: 0.1 itself reports drift: ${check.statements.join('; ')}`);
    return {
      madeBy: { commit: RELEASE_COMMIT, node: process.version, mikroOrm: mikroOrmVersion, dialect: db.dialect },
      migrations: await db.migrator.history().then((h) => h.filter((m) => m.applied).map((m) => m.name)),
      companies,
      credentials,
      tenants,
    };
  } finally {
    await db.close();
  }
}

async function adminQuery(sql) {
  const client = new pg.Client({ connectionString: ADMIN_URL });
  await client.connect();
  try {
    await client.query(sql);
  } finally {
    await client.end();
  }
}

function writeJson(name, value) {
  writeFileSync(join(OUT, name), `${JSON.stringify(value, null, 2)}\n`);
}

mkdirSync(OUT, { recursive: true });

// SQLite: the file as 0.1 leaves it after close (its WAL checkpointed; journal_mode stays WAL).
{
  const dir = mkdtempSync(join(tmpdir(), 'carry-over-'));
  try {
    const file = join(dir, 'carry-over.db');
    const expected = await makeDatabase(`sqlite:///${file}`, 'sqlite');
    for (const extra of ['-wal', '-shm']) {
      if (existsSync(file + extra) && readFileSync(file + extra).length > 0) {
        throw new Error(`${file}${extra} is not empty after close`);
      }
    }
    copyFileSync(file, join(OUT, '0.1.0.sqlite.db'));
    writeJson('0.1.0.sqlite.expected.json', expected);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

// PostgreSQL: a scratch database, dumped as plain SQL (rows as INSERTs, so any client can run it).
{
  const name = `overlay_carry_over_${randomBytes(4).toString('hex')}`;
  const url = new URL(ADMIN_URL);
  url.pathname = `/${name}`;
  await adminQuery(`create database ${name}`);
  try {
    const expected = await makeDatabase(url.toString(), 'postgresql');
    const dump = execFileSync(
      'pg_dump',
      ['--no-owner', '--no-privileges', '--column-inserts', '--dbname', url.toString()],
      { encoding: 'utf8' },
    );
    // \restrict / \unrestrict carry a random key and only psql understands them.
    const sql = dump
      .split('\n')
      .filter((line) => !/^\\(un)?restrict\b/.test(line))
      .join('\n');
    writeFileSync(join(OUT, '0.1.0.postgresql.sql'), sql);
    writeJson('0.1.0.postgresql.expected.json', expected);
  } finally {
    await adminQuery(`drop database if exists ${name} with (force)`);
  }
}

console.log(`wrote ${OUT} with the 0.1 release at ${head.slice(0, 12)} on Node ${process.version}`);
