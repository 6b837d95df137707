import { execFile } from 'node:child_process';

/**
 * Tests wait on a child process by its exit, however busy the machine is (a loaded 2-core machine
 * once took more than 60 s for a child that takes 2 s when idle). This guard only ends a child
 * that hangs.
 */
export const CHILD_HANG_GUARD_MS = 10 * 60_000;
/** The vitest timeout of a test that waits on children: the guard, and room for the test's own work. */
export const CHILD_TEST_TIMEOUT_MS = CHILD_HANG_GUARD_MS + 2 * 60_000;

export interface ChildResult {
  /** The exit code; null when a signal ended the child. */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/** Runs `node <args>` and resolves when it exits, whatever its exit code. */
export function runNode(args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): Promise<ChildResult> {
  return new Promise((done) => {
    execFile(
      process.execPath,
      args,
      { ...options, encoding: 'utf8', timeout: CHILD_HANG_GUARD_MS, maxBuffer: 64 * 1024 * 1024 },
      (error, stdout, stderr) => {
        const code = error ? (typeof error.code === 'number' ? error.code : null) : 0;
        done({ code, signal: error?.signal ?? null, stdout, stderr });
      },
    );
  });
}

/** Runs `node <args>`, requires exit code 0, and parses the last line of its stdout as JSON. */
export async function runNodeForJson<T>(
  args: string[],
  options: { cwd?: string; env?: NodeJS.ProcessEnv } = {},
): Promise<T> {
  const result = await runNode(args, options);
  if (result.code !== 0) {
    throw new Error(`node ${args.join(' ')} exited ${result.code ?? result.signal}\n${result.stderr}`);
  }
  return JSON.parse(result.stdout.trim().split('\n').pop() ?? '{}') as T;
}
