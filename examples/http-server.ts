// A backend embedding @overlay/db: a small node:http JSON API that opens ONE Database for the
// process and takes a tenant scope per request, from the company of the caller. It starts on an
// ephemeral 127.0.0.1 port, sends itself a few requests, prints what came back, and exits.
//   npm run build && npx tsx examples/http-server.ts     (SQLite file ./.tmp/example.db)
//   DATABASE_URL=postgresql://… npx tsx examples/http-server.ts
import { mkdirSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  createAdmin,
  createCompany,
  type Database,
  InvalidInputError,
  NotFoundError,
  OverlayDbError,
  type OverlayDbErrorCode,
  openDatabase,
  type TenantScope,
} from '@overlay/db';

// How each stable error code reaches an HTTP client. Anything else is a 500 with no detail.
const STATUS: Partial<Record<OverlayDbErrorCode, number>> = {
  TENANT_REQUIRED: 401,
  INVALID_INPUT: 400,
  CROSS_TENANT_REFERENCE: 400,
  NOT_FOUND: 404,
  DUPLICATE_EMAIL: 409,
};

/** The app: routes that only ever see the caller's company, through `db.forCompany`. */
function app(db: Database) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    try {
      // A real backend takes the company from the verified session; the header stands in for it.
      // forCompany() refuses anything but a positive integer (TENANT_REQUIRED → 401).
      const tenant = db.forCompany(Number(req.headers['x-company-id']));
      const body = await route(tenant, req);
      send(res, req.method === 'POST' ? 201 : 200, body);
    } catch (error) {
      if (error instanceof OverlayDbError) {
        send(res, STATUS[error.code] ?? 500, { error: error.code, message: error.message });
      } else {
        console.error(error);
        send(res, 500, { error: 'INTERNAL' });
      }
    }
  };
}

async function route(t: TenantScope, req: IncomingMessage): Promise<unknown> {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const [resource, id] = url.pathname.split('/').filter(Boolean);
  if (resource === 'workflows' && !id && req.method === 'GET') {
    return t.workflows.list({ limit: 20, cursor: url.searchParams.get('cursor') });
  }
  if (resource === 'workflows' && !id && req.method === 'POST') return t.workflows.create(await readJson(req));
  if (resource === 'workflows' && id && req.method === 'GET') {
    // get() returns null for a missing row AND for another company's row: the API cannot tell them apart either.
    const workflow = await t.workflows.getWithSteps(Number(id));
    if (!workflow) throw new NotFoundError('Workflow', id);
    return workflow;
  }
  if (resource === 'users' && !id && req.method === 'GET') return t.users.list();
  throw new NotFoundError('Route', `${req.method} ${url.pathname}`);
}

async function readJson(req: IncomingMessage): Promise<any> {
  let text = '';
  for await (const chunk of req) text += chunk;
  try {
    return JSON.parse(text);
  } catch {
    throw new InvalidInputError('body', 'is not JSON');
  }
}

function send(res: ServerResponse, status: number, body: unknown): void {
  // Entities serialize without their password hash; workflows carry `steps` / `stepCount` in their JSON.
  const json = JSON.stringify(body); // first: if it throws, the caller can still answer 500
  res.writeHead(status, { 'content-type': 'application/json' }).end(json);
}

if (!process.env.DATABASE_URL) mkdirSync('.tmp', { recursive: true });
const db = await openDatabase({ url: process.env.DATABASE_URL ?? 'sqlite:///./.tmp/example.db', migrate: true });
const server = createServer(app(db));
try {
  // Two tenants; a per-run suffix keeps the emails unique when the example runs again on one file.
  const run = Date.now();
  const acme = await createCompany(db, { name: 'Acme Corp' });
  const globex = await createCompany(db, { name: 'Globex' });
  const ada = await createAdmin(db, {
    companyId: acme.id,
    email: `ada+${run}@acme.test`,
    password: 'correct-horse-42',
  });
  await createAdmin(db, { companyId: globex.id, email: `hank+${run}@globex.test`, password: 'battery-staple-7' });

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(`listening on ${base}`);

  const call = async (method: string, path: string, companyId: number | null, body?: unknown) => {
    const headers: Record<string, string> = { 'content-type': 'application/json' };
    if (companyId !== null) headers['x-company-id'] = String(companyId);
    const response = await fetch(base + path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    // Parsed JSON of our own API: typed loosely here, as a client without shared types would.
    const json: any = await response.json();
    console.log(`${method} ${path} as ${companyId === null ? 'nobody' : `company #${companyId}`} → ${response.status}`);
    return { status: response.status, json };
  };
  const expectStatus = (got: { status: number }, want: number) => {
    if (got.status !== want) throw new Error(`expected HTTP ${want}, got ${got.status}`);
  };

  const created = await call('POST', '/workflows', acme.id, {
    name: 'Submit an expense report',
    startingUrl: 'https://expenses.example.test/new',
    createdBy: ada.id,
    steps: [
      {
        stepNumber: 1,
        actionType: 'click',
        selectors: { primary: '#new-expense' },
        elementMeta: { tag_name: 'button' },
        pageContext: { url: 'https://expenses.example.test/', title: 'Expenses' },
      },
    ],
  });
  expectStatus(created, 201);
  console.log(`  created workflow #${created.json.id} [${created.json.status}]`);

  const list = await call('GET', '/workflows', acme.id);
  expectStatus(list, 200);
  for (const w of list.json.items) console.log(`  #${w.id} "${w.name}" with ${w.stepCount} step(s)`);

  const own = await call('GET', `/workflows/${created.json.id}`, acme.id);
  expectStatus(own, 200);
  console.log(`  steps: ${own.json.steps.map((s: { actionType: string }) => s.actionType).join(', ')}`);

  // The same id asked for by another company: 404, exactly as for an id that does not exist.
  const foreign = await call('GET', `/workflows/${created.json.id}`, globex.id);
  expectStatus(foreign, 404);
  console.log(`  ${foreign.json.error}`);

  const theirList = await call('GET', '/workflows', globex.id);
  expectStatus(theirList, 200);
  console.log(`  company #${globex.id} sees ${theirList.json.items.length} workflows`);

  // Globex cannot file a workflow under Acme's admin.
  const crossRef = await call('POST', '/workflows', globex.id, {
    name: 'Sneaky',
    startingUrl: 'https://x.test',
    createdBy: ada.id,
  });
  expectStatus(crossRef, 400);
  console.log(`  ${crossRef.json.error}: ${crossRef.json.message}`);

  const invalid = await call('POST', '/workflows', acme.id, { name: '', startingUrl: 'https://x.test' });
  expectStatus(invalid, 400);
  console.log(`  ${invalid.json.error}: ${invalid.json.message}`);

  const anonymous = await call('GET', '/workflows', null);
  expectStatus(anonymous, 401);
  console.log(`  ${anonymous.json.error}`);

  const users = await call('GET', '/users', acme.id);
  expectStatus(users, 200);
  console.log(
    `  users: ${users.json.map((u: { email: string; role: string }) => `${u.email} (${u.role})`).join(', ')}`,
  );
  if (JSON.stringify(users.json).includes('passwordHash')) throw new Error('a password hash reached the client');
} finally {
  await new Promise((resolve) => server.close(resolve));
  await db.close();
}
