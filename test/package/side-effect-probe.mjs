// Run as a child process by no-module-compiler-patch.test.ts, so that it starts from Node's own
// module loader: records every assignment to Module.prototype._compile, the process's exit
// listeners and the timers started, then loads PROBE_ENTRY (the sources through tsx, or dist/: a
// .cjs entry through require(), as a CommonJS host loads it; anything else through import()),
// opens PROBE_DB_URL, runs a query, closes, and prints what changed as one JSON line.
//
// With PROBE_CRAFTED_CACHE set, it first writes into that folder a code-cache entry of the kind the
// library once read from OVERLAY_DB_CODE_CACHE: one that claims to be @mikro-orm/sqlite's index.js
// (the real file's length and hash) but holds other code. That code only sets a global.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import Module, { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import vm from 'node:vm';

const proto = Module.prototype;
const nodeCompile = proto._compile;
let current = nodeCompile;
const compileWrites = [];
Object.defineProperty(proto, '_compile', {
  configurable: true,
  get: () => current,
  set(value) {
    compileWrites.push(value === nodeCompile ? 'restored' : 'replaced');
    current = value;
  },
});

// Timers the library starts, unref'd ones too (those are missing from getActiveResourcesInfo).
const timersStarted = [];
for (const name of ['setTimeout', 'setInterval']) {
  const original = globalThis[name];
  globalThis[name] = function (...args) {
    timersStarted.push(name);
    return original.apply(this, args);
  };
}
const nextTurn = setImmediate;

if (process.env.PROBE_CRAFTED_CACHE) writeCraftedEntry(process.env.PROBE_CRAFTED_CACHE);

const snapshot = () => ({
  compileWrites: [...compileWrites],
  compileIsNodes: proto._compile === nodeCompile,
  exitListeners: process.listenerCount('exit'),
  beforeExitListeners: process.listenerCount('beforeExit'),
  timersStarted: [...timersStarted],
});

const before = snapshot();
const entry = process.env.PROBE_ENTRY;
// import() of dist/index.cjs would give only a default export: Node's scan of CommonJS for export
// names cannot see through `module.exports = require('./index.js')` into an ES module.
const lib = entry.endsWith('.cjs') ? createRequire(import.meta.url)(fileURLToPath(entry)) : await import(entry);
// Whatever the import queued (a nextTick, a timer) has had its turn.
await new Promise((resolve) => nextTurn(resolve));
const afterImport = snapshot();

let rows;
let openError;
try {
  const db = await lib.openDatabase({ url: process.env.PROBE_DB_URL });
  try {
    rows = await db.connection.execute('select 1 as one');
  } finally {
    await db.close();
  }
} catch (error) {
  openError = String(error?.message ?? error);
}
const afterOpen = snapshot();

process.stdout.write(
  `${JSON.stringify({ before, afterImport, afterOpen, rows, openError, craftedRan: globalThis.__overlayCraftedRan === true })}\n`,
);

function writeCraftedEntry(dir) {
  const root = process.env.PROBE_ROOT;
  const target = createRequire(join(root, 'package.json')).resolve('@mikro-orm/sqlite');
  const real = readFileSync(target, 'utf8');
  const payload = 'globalThis.__overlayCraftedRan = true; module.exports = {};';
  const crafted = payload + ' '.repeat(real.length - payload.length);
  const data = new vm.Script(Module.wrap(crafted), { filename: target }).createCachedData();
  const hash = createHash('sha1').update(real).digest('base64');
  const head = Buffer.from(
    JSON.stringify({ magic: 'overlay-db-code-cache-1', entries: [[target, hash, data.length]] }),
    'utf8',
  );
  const length = Buffer.alloc(4);
  length.writeUInt32LE(head.length);
  const flags = `${process.execArgv.join(' ')}\n${process.env.NODE_OPTIONS ?? ''}`;
  const flagsHash = createHash('sha1').update(flags).digest('hex').slice(0, 8);
  mkdirSync(dir, { recursive: true });
  writeFileSync(
    join(dir, `v8-${process.version}-${process.arch}-${flagsHash}.bin`),
    Buffer.concat([length, head, data]),
  );
}
