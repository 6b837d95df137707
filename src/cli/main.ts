#!/usr/bin/env node
import { runCli } from './run-cli.js';

runCli(process.argv.slice(2), { env: process.env, stdout: process.stdout, stderr: process.stderr }).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.stderr.write('error UNEXPECTED: overlay-db failed before it could report why\n');
    process.exitCode = 1;
  },
);
