// Run as a child process by crash.test.ts and killed with SIGKILL mid-work.
// MODE=migrate: migrates with a slow third migration that first writes a table and rows, and
//   touches MARKER once the migrations before it have run (their SQL is executed in order). On
//   PostgreSQL its last statement waits for advisory lock BLOCKER_LOCK, which the test holds, so
//   it runs until the test kills the child, however long the test takes to see it running.
// MODE=create: creates workflows of STEPS steps back to back, printing each committed id.
import { writeFileSync } from 'node:fs';
import { Migration } from '@mikro-orm/migrations';
import { createMigrationRunner, openDatabase } from '../../../src/index.js';
import { addNote, withExtra } from '../../support/test-migrations.js';
import { stepInput } from '../../tenant/fixtures.js';

const { URL: url, MODE, MARKER, COMPANY, STEPS, BLOCKER_LOCK } = process.env;
const db = await openDatabase({ url });

if (MODE === 'migrate') {
  const sleep =
    db.dialect === 'postgresql'
      ? `select pg_advisory_lock(${BLOCKER_LOCK})`
      : // A statement that runs for minutes: SQLite has no sleep.
        'with recursive c(x) as (select 1 union all select x + 1 from c where x < 10000000000) select count(*) from c';
  class SlowMigration extends Migration {
    override up(): void {
      writeFileSync(String(MARKER), 'started');
      this.addSql('create table half_done (id integer primary key, note text)');
      this.addSql("insert into half_done (id, note) values (1, 'a'), (2, 'b')");
      this.addSql("update companies set name = 'renamed by the killed migration'");
      this.addSql(sleep);
    }
  }
  const runner = createMigrationRunner(db.orm, {
    migrations: withExtra(db.dialect, addNote, { name: '0004_slow', class: SlowMigration }),
  });
  await runner.up();
  console.log('finished (should have been killed)');
} else {
  const scope = db.forCompany(Number(COMPANY));
  const steps = Array.from({ length: Number(STEPS) }, (_, i) => stepInput({ actionType: i % 2 ? 'submit' : 'click' }));
  for (let i = 0; ; i++) {
    const wf = await scope.workflows.create({ name: `crash ${i}`, startingUrl: 'https://x.test', steps });
    console.log(`created ${wf.id}`);
  }
}
