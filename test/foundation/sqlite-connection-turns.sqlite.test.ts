import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { query, transaction } from '../../src/executor/executor.js';
import { type Database, openDatabase } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';

// The executor's transactions on SQLite hold the connection straight from the library's Kysely
// driver (a lease), not through Kysely's `connection()`; MikroORM's own transactions go through
// Kysely. Both must take the same turn of the one connection, on a file and in memory alike:
// interleaved, one would run its statements inside the other's transaction.
describe.runIf(requestedDialects().includes('sqlite'))('SQLite: the library and MikroORM take turns', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-turns-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  for (const where of ['file', 'memory'] as const) {
    it(`read-then-write transactions of both never interleave (${where})`, async () => {
      const url = where === 'file' ? `sqlite:///${join(dir, 't.db')}` : 'sqlite:///:memory:';
      const db: Database = await openDatabase({ url, migrate: true });
      try {
        const em = db.orm.em;
        await query(em, "insert into companies (name, invite_token) values ('c', 't')");
        const bump = async (read: () => Promise<string>, write: (text: string) => Promise<unknown>) => {
          const settings = JSON.parse(await read()) as { n?: number };
          await new Promise((resolve) => setTimeout(resolve, 1));
          await write(JSON.stringify({ n: (settings.n ?? 0) + 1 }));
        };
        const rounds = 10;
        const work = Array.from({ length: rounds }, () => [
          transaction(em, () =>
            bump(
              async () =>
                (await query<{ settings: string }>(em, 'select settings from companies where id = 1'))[0].settings,
              (text) => query(em, 'update companies set settings = ? where id = 1', [text]),
            ),
          ),
          em.fork().transactional((tx) =>
            bump(
              async () =>
                (await tx.execute<{ settings: string }[]>('select settings from companies where id = 1'))[0].settings,
              (text) => tx.execute('update companies set settings = ? where id = 1', [text]),
            ),
          ),
          query(em, 'select count(*) as n from companies'),
        ]).flat();
        await Promise.all(work);
        const [row] = await query<{ settings: string }>(em, 'select settings from companies where id = 1');
        expect(JSON.parse(row.settings).n).toBe(2 * rounds);
      } finally {
        await db.close();
      }
    });
  }
});
