import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { transaction } from '../../src/executor/executor.js';
import { type Database, OverlayDbError, openDatabase } from '../../src/index.js';
import { requestedDialects } from '../support/env.js';

// Two databases of one process on one SQLite file take turns (src/dialects/sqlite/file-lock.ts).
// A turn that does not come within the busy timeout fails the call as SQLite does when busy; the
// database must then serve its next call, not wait forever for a connection it never got back.
describe.runIf(requestedDialects().includes('sqlite'))('a SQLite turn that times out', () => {
  let dir: string;
  let holder: Database;
  let waiter: Database;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'overlay-turn-'));
    const url = `sqlite:///${join(dir, 't.db')}`;
    holder = await openDatabase({ url, migrate: true });
    waiter = await openDatabase({ url, busyTimeoutMs: 100 });
  });
  afterAll(async () => {
    await holder.close();
    await waiter.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('fails with DATABASE_ERROR, and the next call on that database succeeds', async () => {
    let release: () => void = () => undefined;
    const released = new Promise<void>((resolve) => {
      release = resolve;
    });
    let entered: () => void = () => undefined;
    const holding = new Promise<void>((resolve) => {
      entered = resolve;
    });
    const held = transaction(holder.fork(), async () => {
      entered();
      await released;
    });
    await holding;
    const failed = await waiter
      .forCompany(1)
      .workflows.list()
      .then(
        () => undefined,
        (error: unknown) => error,
      );
    expect(failed).toBeInstanceOf(OverlayDbError);
    expect((failed as OverlayDbError).code).toBe('DATABASE_ERROR');
    release();
    await held;
    expect((await waiter.forCompany(1).workflows.list()).items).toEqual([]);
  });
});
