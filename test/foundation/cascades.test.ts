import { afterEach, beforeEach, expect, it } from 'vitest';
import type { Database } from '../../src/index.js';
import { describeEachDialect } from '../support/dialects.js';
import { openTestDatabase } from '../support/open-test-database.js';

/**
 * Every ON DELETE of the seed, exercised with raw SQL so that the database (not the ORM) is
 * what is tested. On SQLite this also proves foreign keys are on for the library's connections.
 */
describeEachDialect('foreign-key cascades and set-nulls', (dialect) => {
  let db: Database;
  let dispose: () => Promise<void>;
  let ids: Record<string, number>;

  const exec = (sql: string, params: unknown[] = []) => db.connection.execute(sql, params, 'run');
  const one = async (sql: string, params: unknown[] = []) =>
    (await db.connection.execute<Record<string, unknown>[]>(sql, params, 'all'))[0];
  const count = async (table: string, where = '1 = 1', params: unknown[] = []) =>
    Number((await one(`select count(*) as n from ${table} where ${where}`, params)).n);
  const insert = async (table: string, row: Record<string, unknown>) => {
    const cols = Object.keys(row);
    await exec(
      `insert into ${table} (${cols.join(', ')}) values (${cols.map(() => '?').join(', ')})`,
      Object.values(row),
    );
    return Number((await one(`select max(id) as id from ${table}`)).id);
  };
  const json = (v: unknown) => JSON.stringify(v);

  beforeEach(async () => {
    ({ db, dispose } = await openTestDatabase(dialect));
    const company = await insert('companies', { name: 'Acme', invite_token: 'tok-a' });
    const admin = await insert('users', {
      company_id: company,
      email: 'a@acme.test',
      password_hash: 'x',
      role: 'admin',
    });
    const editor = await insert('users', {
      company_id: company,
      email: 'e@acme.test',
      password_hash: 'x',
      role: 'regular',
    });
    const workflow = await insert('workflows', {
      company_id: company,
      created_by: admin,
      name: 'W',
      starting_url: 'https://a',
    });
    const shot = await insert('screenshots', {
      company_id: company,
      workflow_id: workflow,
      hash: `sha256:${'a'.repeat(64)}`,
      storage_key: 'k',
      storage_url: 'u',
    });
    const step = await insert('steps', {
      company_id: company,
      workflow_id: workflow,
      screenshot_id: shot,
      edited_by: editor,
      step_number: 1,
      action_type: 'click',
      selectors: json({ primary: '#a' }),
      element_meta: json({}),
      page_context: json({}),
    });
    const log = await insert('health_logs', {
      company_id: company,
      workflow_id: workflow,
      step_id: step,
      user_id: editor,
      status: 'failed',
    });
    const note = await insert('notifications', {
      company_id: company,
      workflow_id: workflow,
      read_by: editor,
      type: 'workflow_broken',
      severity: 'error',
      title: 'Broken',
    });
    ids = { company, admin, editor, workflow, shot, step, log, note };
  });
  afterEach(async () => dispose());

  it('deleting a company removes everything it owns', async () => {
    await exec('delete from companies where id = ?', [ids.company]);
    for (const table of ['users', 'workflows', 'screenshots', 'steps', 'health_logs', 'notifications']) {
      expect(await count(table), table).toBe(0);
    }
  });

  it('deleting a workflow removes its steps, screenshots, health logs and notifications', async () => {
    await exec('delete from workflows where id = ?', [ids.workflow]);
    for (const table of ['screenshots', 'steps', 'health_logs', 'notifications'])
      expect(await count(table), table).toBe(0);
    expect(await count('users')).toBe(2);
  });

  it('deleting a user nulls created_by, edited_by and read_by, and removes their health logs', async () => {
    await exec('delete from users where id = ?', [ids.editor]);
    expect((await one('select edited_by from steps where id = ?', [ids.step])).edited_by).toBeNull();
    expect((await one('select read_by from notifications where id = ?', [ids.note])).read_by).toBeNull();
    expect(await count('health_logs')).toBe(0);
    await exec('delete from users where id = ?', [ids.admin]);
    expect((await one('select created_by from workflows where id = ?', [ids.workflow])).created_by).toBeNull();
    expect(await count('workflows')).toBe(1);
  });

  it('deleting a screenshot nulls the steps that showed it', async () => {
    await exec('delete from screenshots where id = ?', [ids.shot]);
    expect((await one('select screenshot_id from steps where id = ?', [ids.step])).screenshot_id).toBeNull();
    expect(await count('steps')).toBe(1);
  });

  it('deleting a step nulls health_logs.step_id and keeps the log', async () => {
    await exec('delete from steps where id = ?', [ids.step]);
    expect((await one('select step_id from health_logs where id = ?', [ids.log])).step_id).toBeNull();
    expect(await count('health_logs')).toBe(1);
  });

  it('refuses a row that points at nothing', async () => {
    await expect(
      exec('insert into workflows (company_id, name, starting_url) values (?, ?, ?)', [999_999, 'W', 'https://a']),
    ).rejects.toThrow();
  });

  it('never hands a deleted id out again', async () => {
    await exec('delete from workflows where id = ?', [ids.workflow]);
    const next = await insert('workflows', { company_id: ids.company, name: 'W2', starting_url: 'https://b' });
    expect(next).toBeGreaterThan(ids.workflow);
  });
});
