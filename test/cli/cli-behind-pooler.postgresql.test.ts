import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { cli } from '../support/cli-in-process.js';
import { component } from '../support/components.js';
import { createTestDatabase, requestedDialects, type TestDatabase } from '../support/dialects.js';

// A deploy script runs the CLI through the same URL as the app, often a PgBouncer in transaction
// mode. Every CLI run is a new process whose statement names are the same as the last run's, and
// PgBouncer hands it a server connection that may still hold them: the CLI must not name its
// statements (it runs a handful, so preparing them buys nothing).
const bouncer = requestedDialects().includes('postgresql') ? await component('pgbouncer') : undefined;

describe.runIf(requestedDialects().includes('postgresql') && inject('postgresAvailable') && bouncer)(
  'overlay-db through PgBouncer in transaction mode [postgresql]',
  () => {
    let target: TestDatabase;
    let pooled: string;
    beforeAll(async () => {
      target = await createTestDatabase('postgresql');
      pooled = new URL(target.name, bouncer!.OVERLAY_TEST_PGBOUNCER_URL).toString();
    });
    afterAll(async () => target?.drop());

    it('upgrade, then current, status, history and check, each a run of its own, all succeed', async () => {
      const runs = [];
      for (const argv of [['upgrade', 'head'], ['current'], ['status'], ['history'], ['check'], ['current']]) {
        const { code, stderr } = await cli([...argv, '--url', pooled]);
        runs.push({ argv: argv.join(' '), code, error: stderr.split('\n').find((l) => l.startsWith('error')) });
      }
      expect(runs).toEqual(runs.map((r) => ({ argv: r.argv, code: 0, error: undefined })));
    });
  },
);
