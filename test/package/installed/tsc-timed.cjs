// Runs TypeScript's tsc in this process (the arguments are tsc's) and prints, as it exits, the CPU
// time the process used (user + system, all threads): the installed-package smoke compares the
// TypeScript cost of hosts by it, because wall time on a shared machine also measures the other
// processes there.
'use strict';
const started = process.cpuUsage();
process.on('exit', () => {
  const used = process.cpuUsage(started);
  process.stdout.write(`CPU time: ${((used.user + used.system) / 1e6).toFixed(2)}s\n`);
});
require('typescript/lib/tsc.js');
