// Run as a child process by test/foundation/environment.test.ts: opens the database the way a
// host would (no url option), migrates, writes one row and prints what it did as JSON.
import { openDatabase } from '../../src/index.js';

const db = await openDatabase({ migrate: true });
await db.connection.execute("insert into companies (name, invite_token) values ('probe', 'probe-token')");
const [{ n }] = await db.connection.execute<{ n: number }[]>('select count(*) as n from companies');
console.log(
  JSON.stringify({ dialect: db.dialect, companies: Number(n), table: db.orm.config.get('migrations').tableName }),
);
await db.close();
