// The library as hosts run it: the built package (dist/index.js), as the start-up comparison loads
// it, built here first when it is missing or older than a source file (`--no-build`: never). Run
// from src/ through tsx, every function the library makes (closures included) also went through
// esbuild's keepNames helper (`__name`), which the build does not emit: 10.7% of all samples in a
// profile of 400,000 `select 1` calls through the executor (2026-12-03, load not recorded).
import { execFileSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function builtAt(): number {
  try {
    return statSync(join(ROOT, 'dist/index.js')).mtimeMs;
  } catch {
    return -1;
  }
}

if (!process.argv.includes('--no-build') && builtAt() < newestSource(join(ROOT, 'src'))) {
  execFileSync('npm', ['run', 'build', '--silent'], { cwd: ROOT, stdio: 'ignore' });
}

const library: typeof import('../dist/index.js') = await import('../dist/index.js');
export const { openDatabase, dedupeScreenshot } = library;
export type { Database, Dialect, QueryEvent, StepInput } from '../dist/index.js';
