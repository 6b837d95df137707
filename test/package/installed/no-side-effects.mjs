// The installed package loads and opens a database without touching Node's module loader, exit
// hooks or timers, and writes no file but the database (run by the installed-package smoke, which
// then checks that node_modules/.cache holds nothing of ours).
import assert from 'node:assert/strict';
import Module from 'node:module';

const proto = Module.prototype;
let compile = proto._compile;
const compileWrites = [];
Object.defineProperty(proto, '_compile', {
  configurable: true,
  get: () => compile,
  set(value) {
    compileWrites.push(value);
    compile = value;
  },
});
const timers = [];
for (const name of ['setTimeout', 'setInterval']) {
  const original = globalThis[name];
  globalThis[name] = function (...args) {
    timers.push(name);
    return original.apply(this, args);
  };
}
const exitListeners = process.listenerCount('exit');

const { openDatabase } = await import('@overlay/db');
await new Promise((resolve) => setImmediate(resolve));
assert.deepEqual(timers, [], 'importing the package starts no timer');
assert.equal(process.listenerCount('exit'), exitListeners, 'importing the package adds no exit hook');

const db = await openDatabase({ url: process.env.SMOKE_SQLITE_URL });
const rows = await db.connection.execute('select 1 as one');
await db.close();
assert.equal(compileWrites.length, 0, 'Module.prototype._compile was never assigned');
console.log(JSON.stringify(rows));
