// Run as a child process by faults-sqlite.sqlite.test.ts: another process that takes a SQLite
// file's write lock (`begin immediate`) and holds it until it reads a line on stdin. It prints
// "locked" once it holds the lock, so the test waits on that, not on time.
const { DatabaseSync } = process.getBuiltinModule('node:sqlite');
const db = new DatabaseSync(process.argv[2], { timeout: 60_000 });
db.exec('begin immediate');
process.stdout.write('locked\n');
process.stdin.once('data', () => {
  db.exec('rollback');
  db.close();
  process.stdout.write('released\n');
  process.exit(0);
});
