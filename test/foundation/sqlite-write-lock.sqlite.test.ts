import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type Database, openDatabase } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';

// SQLite-only: PostgreSQL has row locks and MVCC writers; SQLite has one writer per file.
describe.runIf(requestedDialects().includes('sqlite'))('SQLite transactions take the write lock at BEGIN', () => {
  let dir: string;
  const dbs: Database[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-lock-'));
    const url = `sqlite:///${join(dir, 'l.db')}`;
    for (let i = 0; i < 4; i++) dbs.push(await openDatabase({ url, migrate: i === 0 }));
    await dbs[0].connection.execute("insert into companies (name, invite_token) values ('c', 't')");
  });
  afterAll(async () => {
    for (const db of dbs) await db.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('read-then-write transactions on separate connections queue instead of failing with SQLITE_BUSY', async () => {
    const rounds = 10;
    // Each transaction reads the counter, yields, then writes it back: with a deferred BEGIN, a
    // second connection's commit in between makes the write fail at once (no busy wait).
    const work = dbs.flatMap((db) =>
      Array.from({ length: rounds }, () =>
        db.orm.em.fork().transactional(async (em) => {
          const [row] = await em.execute<{ settings: string }[]>('select settings from companies where id = 1');
          const settings = JSON.parse(row.settings) as { n?: number };
          await new Promise((r) => setTimeout(r, 1));
          await em.execute('update companies set settings = ? where id = 1', [
            JSON.stringify({ n: (settings.n ?? 0) + 1 }),
          ]);
        }),
      ),
    );
    await Promise.all(work);
    const [row] = await dbs[0].connection.execute<{ settings: string }[]>(
      'select settings from companies where id = 1',
    );
    expect(JSON.parse(row.settings).n).toBe(dbs.length * rounds);
  });
});
