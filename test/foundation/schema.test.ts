import { afterAll, beforeAll, expect, it } from 'vitest';
import { Company, type Database, Workflow } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { EXPECTED_DEFAULTS, EXPECTED_SCHEMA } from '../support/expected-schema.js';
import { introspectTable, type LiveTable } from '../support/introspect.js';
import { openTestDatabase } from '../support/open-test-database.js';

describeEachDialect('migrated schema matches SCHEMA.md', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  const live: Record<string, LiveTable> = {};
  beforeAll(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    for (const table of Object.keys(EXPECTED_SCHEMA)) live[table] = await introspectTable(db, table);
  });
  afterAll(async () => dispose());

  for (const [table, expected] of Object.entries(EXPECTED_SCHEMA)) {
    it(`${table}: every column with its nullability`, () => {
      const columns = new Map(live[table].columns.map((c) => [c.name, c]));
      for (const column of expected.columns) {
        expect(columns.get(column.name), `${table}.${column.name} exists`).toBeDefined();
        expect(columns.get(column.name)?.nullable, `${table}.${column.name} nullable`).toBe(column.nullable);
      }
    });

    it(`${table}: foreign keys with their delete actions, each leading an index`, () => {
      for (const fk of expected.foreignKeys) {
        const found = live[table].foreignKeys.find((f) => f.column === fk.column);
        expect(found, `${table}.${fk.column} is a foreign key`).toBeDefined();
        expect(found?.references).toBe(fk.references);
        expect(found?.onDelete, `${table}.${fk.column} on delete`).toBe(fk.onDelete);
        const leading = live[table].indexes.some((i) => i.columns[0] === fk.column);
        expect(leading, `an index leads with ${table}.${fk.column}`).toBe(true);
      }
      expect(live[table].foreignKeys).toHaveLength(expected.foreignKeys.length);
    });

    it(`${table}: unique guarantees and dashboard indexes`, () => {
      for (const unique of expected.uniques) {
        const found = live[table].indexes.filter((i) => i.unique && i.columns.join() === unique.join());
        expect(found, `unique (${unique.join(', ')}) on ${table}`).toHaveLength(1);
      }
      for (const index of expected.indexes) {
        const found = live[table].indexes.some((i) => index.every((c, n) => i.columns[n] === c));
        expect(found, `an index on ${table} (${index.join(', ')}…)`).toBe(true);
      }
    });

    it(`${table}: defaults and an id that is never reused`, () => {
      const columns = new Map(live[table].columns.map((c) => [c.name, c]));
      for (const [column, accepts] of Object.entries(EXPECTED_DEFAULTS[table] ?? {})) {
        const text = columns.get(column)?.default ?? null;
        expect(accepts(text), `default of ${table}.${column} was ${text}`).toBe(true);
      }
      expect(live[table].autoincrementId).toBe(true);
    });
  }

  it('screenshots.hash is not globally unique (only per company)', () => {
    const globalHash = live.screenshots.indexes.some((i) => i.unique && i.columns.join() === 'hash');
    expect(globalHash).toBe(false);
  });

  it('users.email is unique case-insensitively', () => {
    const expression = live.users.indexes.some((i) => i.unique && i.columns.includes('<expr>'));
    expect(expression).toBe(true);
  });

  it('timestamps are timezone-aware (timestamptz on PostgreSQL, ISO-8601 UTC text on SQLite)', async () => {
    const created = live.workflows.columns.find((c) => c.name === 'created_at');
    if (dialect === 'postgresql') expect(created?.type).toBe('timestamp with time zone');
    await db.connection.execute("insert into companies (name, invite_token) values ('c', 't-default')");
    const [row] = await db.connection.execute<{ created_at: unknown }[]>(
      "select created_at from companies where invite_token = 't-default'",
    );
    if (dialect === 'sqlite') expect(row.created_at).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
    else expect(String(row.created_at)).toMatch(/[+-]\d\d(:\d\d)?$/);
  });

  it('a row a host creates through MikroORM without settings or tags holds JSON {} and []', async () => {
    const em = db.fork();
    const company = em.create(Company, { name: 'j', inviteToken: 't-json' });
    await em.flush();
    em.create(Workflow, { company, name: 'w', startingUrl: 'https://a' });
    await em.flush();
    const [row] = await db.connection.execute<{ settings: unknown; tags: unknown }[]>(
      "select c.settings, w.tags from companies c join workflows w on w.company_id = c.id where c.invite_token = 't-json'",
    );
    // SQLite hands back the stored text; pg parses jsonb (a JSON string "{}" would arrive as '{}').
    const parsed = (value: unknown) => (dialect === 'sqlite' ? JSON.parse(String(value)) : value);
    expect(parsed(row.settings)).toEqual({});
    expect(parsed(row.tags)).toEqual([]);
    const reread = await db.fork().findOneOrFail(Workflow, { company: company.id }, { populate: ['company'] });
    expect(reread.tags).toEqual([]);
    expect(reread.company.getEntity().settings).toEqual({});
  });

  it('enums are enforced by the database', async () => {
    await db.connection.execute("insert into companies (name, invite_token) values ('e', 't-enum')");
    const [{ id }] = await db.connection.execute<{ id: number }[]>(
      "select id from companies where invite_token = 't-enum'",
    );
    const bad = [
      `insert into users (company_id, email, password_hash, role) values (${id}, 'x@y.z', 'h', 'superuser')`,
      `insert into workflows (company_id, name, starting_url, status) values (${id}, 'w', 'https://a', 'exploded')`,
      `insert into notifications (company_id, type, severity, title) values (${id}, 'workflow_broken', 'fatal', 't')`,
    ];
    for (const sql of bad) await expect(db.connection.execute(sql), sql).rejects.toThrow();
  });
});
